// Side-effect module: in Cloudflare Workers it enables `new IterableClient({ sandbox })`.
export {};
