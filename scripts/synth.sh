#!/usr/bin/env bash
# `npm run synth`: the cdktf CLI's synth, offline and without lines that look like errors.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/cdktf.sh" synth "$@"
