// `import 'iterable-wasm/sandbox';` in a Cloudflare Worker: makes `new IterableClient({ sandbox })`
// available there. The main entry leaves the emulator out (its wasm would be uploaded and
// compiled with every Worker using the package); this module brings it in.
import { enableSandbox } from '../api.js';

enableSandbox(() => import('./load.workerd.js'));
