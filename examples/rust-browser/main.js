// Loads the Rust wasm (built into ./pkg by wasm-bindgen --target web) and calls it from the form.
import init, { trackSignup } from './pkg/iterable_rust_browser_example.js';

const $ = (id) => document.getElementById(id);
const out = $('out');
const show = (state, text) => { out.dataset.state = state; out.textContent = text; };

await init();
$('send').disabled = false;
show('ready', 'ready');

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('busy', 'sending…');
  try {
    const user = JSON.parse(await trackSignup($('key').value, $('base').value.trim(), $('email').value));
    show('done', JSON.stringify(user, null, 2));
  } catch (e) {
    // An IterableError from Rust: e.message is its one-line summary; e.code and e.status are set.
    show('error', `${e.code ?? 'Error'}: ${e.message}`);
  }
});
