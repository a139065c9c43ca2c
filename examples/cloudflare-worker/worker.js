// GET /?text=Paris%20is%20the%20[MASK]%20of%20France. → the fill-mask predictions as JSON.
// The pipeline is built once per isolate (on the first request) and reused.
import { pipeline } from 'deberta';

let fill;

export default {
  async fetch(request, env) {
    const text = new URL(request.url).searchParams.get('text');
    if (!text) return new Response('pass ?text=... with one [MASK]', { status: 400 });
    fill ??= pipeline('fill-mask', env.MODEL_URL);
    const predictions = await (await fill)(text, { topK: 5 });
    return Response.json(predictions);
  },
};
