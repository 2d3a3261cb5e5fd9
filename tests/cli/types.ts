// Compile-only check of pkg/mcp.d.ts (iterable-wasm/mcp) with the package's own types.
import { IterableClient, actions } from 'iterable-wasm';
import { createMcpServer, createMcpHttpHandler, toolsFromCatalog, PROTOCOL_VERSIONS, type McpTool } from 'iterable-wasm/mcp';

const client = new IterableClient({ apiKey: 'k' });
const server = createMcpServer({ client, actions, allowIrreversible: false, deny: ['forget_user'], secrets: ['k'], log: (l: string) => void l });
const handle: (r: Request) => Promise<Response> = createMcpHttpHandler(server, { sessions: false, authorize: (r) => r.headers.has('authorization') });
const tools: McpTool[] = toolsFromCatalog(actions, { allow: ['list_lists'] });
const readOnly: boolean = tools[0]!.annotations.readOnlyHint;
const first: string | undefined = PROTOCOL_VERSIONS[0];
void server.handleText('{}').then((a) => a);
void [handle, readOnly, first];
// @ts-expect-error actions is required
createMcpServer({ client });
