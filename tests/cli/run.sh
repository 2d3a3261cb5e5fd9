#!/usr/bin/env bash
# The CLI and MCP tests (issue 9): the real binary in subprocesses (Node and Deno), the MCP server
# over stdio and over streamable HTTP in workerd, each driven by the official MCP SDK client.
# Also discovery, toolsets, the sends gate and its confirmation by elicitation, and the official conformance suite on mcp --http.
# Needs a built pkg/ (npm run build). Exits 0 only if every test passed; the last line is
# "cli: N passed, M failed".
cd "$(dirname "$0")/../.."
exec bash tests/support/node-tests.sh cli 2 tests/cli/cli.test.mjs tests/mcp/mcp.test.mjs tests/mcp/worker.test.mjs tests/mcp/discovery.test.mjs tests/mcp/elicitation.test.mjs tests/mcp/conformance.test.mjs
