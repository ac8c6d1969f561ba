// The official openai npm SDK pointed at Parley with baseURL, as a user
// would do it. The Go test runs:
//   node openai.mjs BASE_URL KEY OUTDIR
// It writes a non-streamed mp3, a streamed wav and a streamed pcm file, and
// prints one JSON line describing them.
import OpenAI from 'openai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [baseURL, apiKey, outDir] = process.argv.slice(2);
const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const result = {};

// Not streamed: the whole file at once.
const mp3 = await openai.audio.speech.create({
  model: 'tts-1', voice: 'alloy', input: 'Hello from the official OpenAI SDK.',
});
const mp3Bytes = Buffer.from(await mp3.arrayBuffer());
writeFileSync(join(outDir, 'sdk.mp3'), mp3Bytes);
result.mp3 = { bytes: mp3Bytes.length, contentType: mp3.headers.get('content-type') };

// Streamed: read the body as it arrives.
const wav = await openai.audio.speech.create({
  model: 'gpt-4o-mini-tts', voice: 'onyx', input: 'This one is streamed, chunk by chunk.',
  instructions: 'Speak slowly and calmly.', response_format: 'wav',
});
const chunks = [];
let pieces = 0;
for await (const chunk of wav.body) {
  chunks.push(Buffer.from(chunk));
  pieces++;
}
const wavBytes = Buffer.concat(chunks);
writeFileSync(join(outDir, 'sdk.wav'), wavBytes);
result.wav = { bytes: wavBytes.length, pieces, contentType: wav.headers.get('content-type') };

const pcm = await openai.audio.speech.create({
  model: 'tts-1', voice: 'nova', input: 'Raw PCM, streamed.', response_format: 'pcm', speed: 1.25,
});
const pcmChunks = [];
for await (const chunk of pcm.body) pcmChunks.push(Buffer.from(chunk));
const pcmBytes = Buffer.concat(pcmChunks);
writeFileSync(join(outDir, 'sdk.pcm'), pcmBytes);
result.pcm = { bytes: pcmBytes.length, contentType: pcm.headers.get('content-type') };

// An error is an APIError with the status.
try {
  await openai.audio.speech.create({ model: 'tts-1', voice: 'nobody', input: 'x' });
  result.error = 'no error';
} catch (err) {
  result.error = { status: err.status, message: String(err.message) };
}
console.log(JSON.stringify(result));
