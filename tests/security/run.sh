#!/usr/bin/env bash
# The security suite (issue 24): the local servers (sandbox, mcp --http) under hostile requests,
# the MCP servers bounded, state files under kill -9 and concurrent writers, the guard's rules.
# Everything runs on 127.0.0.1 against the built package (pkg/, or ITERABLE_WASM_PKG); RSS figures
# need Linux's /proc (elsewhere those checks are skipped). Exits 0 only if every test passed; the
# last line is "security: N passed, M failed". One file at a time: memory and timing figures must
# not be disturbed by another test's load.
cd "$(dirname "$0")/../.."
exec bash tests/support/node-tests.sh security 1 tests/security/guard.test.mjs tests/security/local-servers.test.mjs tests/security/mcp.test.mjs tests/security/state.test.mjs tests/security/journal.test.mjs
