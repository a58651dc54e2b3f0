#!/usr/bin/env bash
# `npm run synth`: the cdktf CLI's synth, offline and without lines that look like errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# No calls to HashiCorp's version-check service (cdktf and terraform honour it).
export CHECKPOINT_DISABLE=1
# cdktf asks terraform for its version, and terraform warns when TF_CLI_CONFIG_FILE names a file
# that does not exist; cdktf prints that warning as [ERROR]. Synth needs no CLI configuration.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
exec npx cdktf synth "$@"
