// Prints a POST /api/v1/batches body: a touch point's days, one letter each,
// so that its consistency level is known in advance.
//
//   node make_history.mjs SCALE SURVEY SEED PLAN BAD_REASONS GOOD_REASONS [COMMENT...]
//
// PLAN holds one letter per local day (Pacific/Auckland), oldest first; the
// last letter is today:
//   M  meets a standard of 85: 15 responses, 14 good (93.3 %)
//   N  does not: 15 responses, 7 good (46.7 %)
//   f  a few responses (4, all good): not enough for a counted day
//   -  none
// Past days put five responses at 09:xx, five at 12:xx and five at 16:xx,
// so yesterday has a best and a worst hour of at least 5 responses (M: 09
// and 12 all good, 16 one bad; N: 09 four good, 12 two, 16 one). Today's
// responses are the minutes before now, never in the future.
// BAD_REASONS and GOOD_REASONS are comma-separated reason ids given in turn
// to bad and good scores ("-" for none). Each COMMENT goes on the newest
// response of a day, the last one on the newest day with responses.
const [scale, survey, seedText, plan, badText, goodText, ...comments] = process.argv.slice(2);
const ranges = { smiley4: [1, 4], smiley5: [1, 5], thumbs: [0, 1] };
if (!ranges[scale] || !survey || !plan || !/^[MNf-]+$/.test(plan)) {
  console.error('usage: make_history.mjs SCALE(smiley4|smiley5|thumbs) SURVEY SEED PLAN(M|N|f|-...) BAD_REASONS GOOD_REASONS [COMMENT...]');
  process.exit(2);
}
const badReasons = !badText || badText === '-' ? [] : badText.split(',');
const goodReasons = !goodText || goodText === '-' ? [] : goodText.split(',');

let seed = Number(seedText || 1) >>> 0;
function random() { // mulberry32, as make_batch.mjs
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

// Local wall-clock time in the store's zone, with its real UTC offset.
const ZONE = 'Pacific/Auckland';
const fmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
function local(utc) {
  const p = Object.fromEntries(fmt.formatToParts(new Date(utc)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return { day: `${p.year}-${p.month}-${p.day}`, hour: +p.hour, minute: +p.minute, second: +p.second,
    offsetMin: Math.round((asUtc - Math.floor(utc / 1000) * 1000) / 60000) };
}
// The UTC instant of a local day and time (the offset read twice covers a
// change of offset between the guess and the answer).
function utcOf(day, hour, minute, second) {
  const wall = Date.parse(`${day}T00:00:00Z`) + ((hour * 60 + minute) * 60 + second) * 1000;
  let utc = wall - local(wall).offsetMin * 60000;
  utc = wall - local(utc).offsetMin * 60000;
  return utc;
}
const addDays = (day, n) => new Date(Date.parse(day + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10);

const now = Date.now() - 60 * 1000;
const today = local(now).day;
const good = () => (scale === 'thumbs' ? 1 : ranges[scale][1] - Math.floor(random() * 2)); // smiley: 4-5 / 3-4
const bad = () => (scale === 'thumbs' ? 0 : ranges[scale][0] + Math.floor(random() * 2)); // smiley: 1-2
// Good (true) or bad per response: three hours of five.
const layouts = {
  M: [[9, [1, 1, 1, 1, 1]], [12, [1, 1, 1, 1, 1]], [16, [1, 1, 0, 1, 1]]],
  N: [[9, [1, 1, 0, 1, 1]], [12, [0, 1, 0, 1, 0]], [16, [0, 0, 1, 0, 0]]],
  f: [[10, [1, 1]], [15, [1, 1]]],
  '-': [],
};

const taps = [];
const letters = [...plan];
letters.forEach((letter, i) => {
  const day = addDays(today, i - (letters.length - 1));
  const marks = layouts[letter].flatMap(([hour, list]) => list.map((g, k) => ({ hour, g, k })));
  if (day === today) {
    // The minutes before now, oldest first; none before local midnight.
    marks.forEach((m, k) => {
      const utc = now - (marks.length - k) * 61 * 1000;
      if (local(utc).day === today) taps.push({ utc, g: m.g });
    });
  } else {
    for (const m of marks) taps.push({ utc: utcOf(day, m.hour, m.k * 10 + Math.floor(random() * 9), Math.floor(random() * 60)), g: m.g });
  }
});
taps.sort((a, b) => a.utc - b.utc);

// Comments: the newest response of each of the newest days with responses.
const lastOfDay = new Map();
taps.forEach((t, i) => lastOfDay.set(local(t.utc).day, i));
const commentAt = new Map();
[...lastOfDay.values()].reverse().slice(0, comments.length)
  .forEach((index, k) => commentAt.set(index, comments[comments.length - 1 - k]));

let nBad = 0, nGood = 0;
const pad = (n) => String(n).padStart(2, '0');
const responses = taps.map((t, i) => {
  const l = local(t.utc);
  const off = l.offsetMin;
  const sign = off < 0 ? '-' : '+';
  const time = `${l.day}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  const reasons = t.g
    ? (goodReasons.length ? [goodReasons[nGood++ % goodReasons.length]] : [])
    : (badReasons.length ? [badReasons[nBad++ % badReasons.length]] : []);
  return {
    id: uuid(), survey_id: survey, survey_version: 1, question_id: survey, scale, score: t.g ? good() : bad(),
    reasons, comment: commentAt.get(i) || '', language: 'en', utc_ms: t.utc, local_time: time, local_day: l.day,
    local_hour: l.hour, sequence: i + 1, misuse: false, clock_suspect: false,
  };
});
process.stdout.write(JSON.stringify({
  responses,
  health: { pending: 0, last_sync_utc_ms: null, disk_free_bytes: 5000000000, database_bytes: 90112, app_version: '0.1.0', last_error: '' },
}));
