#!/usr/bin/env bash
# `npm run cdktf -- <command> [args]`: the cdktf CLI (synth, diff, deploy, ...), offline and
# without lines that look like errors. cdktf.json has no setting for either; both are environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# No calls to HashiCorp's version-check service (cdktf and terraform honour it). Without it, an
# offline machine prints `getaddrinfo ENOTFOUND checkpoint-api.hashicorp.com` as [ERROR].
export CHECKPOINT_DISABLE=1
# cdktf asks terraform for its version, and terraform warns when TF_CLI_CONFIG_FILE names a file
# that does not exist; cdktf prints that warning as [ERROR]. Synth needs no CLI configuration.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
exec npx cdktf "$@"
