// Prints a POST /api/v1/batches body of known, reproducible responses.
//
//   node make_batch.mjs SCALE SURVEY COUNT SEED GOOD [COMMENT...]
//
// SCALE and SURVEY name the survey; COUNT responses spread over the last 14
// days (store hours 08-19, UTC+13, every tap at least a minute in the past);
// SEED makes the scores repeatable; GOOD (0..1) is how likely a good score
// is. Each COMMENT is attached to one response, the last one to the newest.
const [scale, survey, countText, seedText, goodText, ...comments] = process.argv.slice(2);
const ranges = { smiley4: [1, 4], smiley5: [1, 5], nps: [0, 10], ces7: [1, 7], thumbs: [0, 1] };
if (!ranges[scale] || !survey || !countText) {
  console.error('usage: make_batch.mjs SCALE SURVEY COUNT SEED GOOD [COMMENT...]');
  process.exit(2);
}
const count = Number(countText);
const good = Number(goodText || 0.7);

// mulberry32: a small seeded generator, so every run posts the same scores.
let seed = Number(seedText || 1) >>> 0;
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function uuid() {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)];
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const [lo, hi] = ranges[scale];
const offsetMs = 13 * 3600 * 1000;
const now = Date.now() - 60 * 1000;
const pad = (n) => String(n).padStart(2, '0');
const responses = [];
for (let i = 0; i < count; i++) {
  // Spread over 14 days, oldest first; open hours only, never in the future.
  let utc;
  do {
    const local = new Date(now + offsetMs - Math.floor(random() * 14 * 86400 * 1000));
    local.setUTCHours(8 + Math.floor(random() * 12), Math.floor(random() * 60), Math.floor(random() * 60), 0);
    utc = local.getTime() - offsetMs;
  } while (utc > now);
  const isGood = random() < good;
  const span = hi - lo;
  const score = isGood ? hi - Math.floor(random() * Math.max(1, Math.ceil(span / 3))) : lo + Math.floor(random() * Math.max(1, Math.ceil(span / 2)));
  responses.push({ utc, score });
}
responses.sort((a, b) => a.utc - b.utc);
// Every tap at its own millisecond, so "newest first" has one answer.
for (let i = 1; i < responses.length; i++)
  if (responses[i].utc <= responses[i - 1].utc) responses[i].utc = responses[i - 1].utc + 1;

const body = responses.map((r, i) => {
  const local = new Date(r.utc + offsetMs);
  const day = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const hour = local.getUTCHours();
  const time = `${day}T${pad(hour)}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}+13:00`;
  // Comments go on evenly spaced responses, the last comment on the newest.
  const slot = comments.length ? count - 1 - i : -1;
  const step = comments.length ? Math.max(1, Math.floor(count / comments.length)) : 0;
  const comment = slot >= 0 && slot % step === 0 && slot / step < comments.length ? comments[comments.length - 1 - slot / step] : '';
  return {
    id: uuid(), survey_id: survey, survey_version: 1, question_id: survey, scale, score: r.score,
    reasons: [], comment, language: 'en', utc_ms: r.utc, local_time: time, local_day: day,
    local_hour: hour, sequence: i + 1, misuse: false, clock_suspect: false,
  };
});
process.stdout.write(JSON.stringify({
  responses: body,
  health: { pending: 0, last_sync_utc_ms: null, disk_free_bytes: 5000000000, database_bytes: 90112, app_version: '0.1.0', last_error: '' },
}));
