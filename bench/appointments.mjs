// A deterministic Infusionsoft (Keap) appointments response body, about 370 bytes a record:
// the shape the hub returns for GET /hubs/crm/appointments.
const words = "call review contract renewal onboarding demo quarterly planning budget follow-up kickoff pricing support escalation training workshop lunch site visit".split(" ");

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms) => new Date(ms).toISOString();

/** `count` records whose modification dates spread over `spanMs` ending at `end`. */
export function appointments(count, { seed = 42, end = Date.UTC(2026, 10, 1), spanMs = 90 * 86_400_000 } = {}) {
  const r = rng(seed);
  const pick = () => words[Math.floor(r() * words.length)];
  const sentence = (n) => Array.from({ length: n }, pick).join(" ");
  const out = [];
  for (let i = 0; i < count; i++) {
    const modified = end - Math.floor(r() * spanMs);
    const created = modified - Math.floor(r() * 30 * 86_400_000) * (r() < 0.3 ? 0 : 1);
    const start = modified + Math.floor(r() * 14 * 86_400_000);
    out.push({
      id: 100000 + i,
      title: `${pick()} ${pick()}`,
      description: sentence(12),
      location: `${Math.floor(r() * 900) + 100} ${pick()} street`,
      start_date: iso(start),
      end_date: iso(start + 3_600_000),
      contact_id: Math.floor(r() * 90000) + 1000,
      user: Math.floor(r() * 40) + 1,
      remind_time: [5, 10, 15, 30, 60][Math.floor(r() * 5)],
      creation_date: iso(created).replace(/Z$/, "Z"),
      modification_date: iso(modified),
    });
  }
  return out;
}

export const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments",
  idField: "id",
  datesConfiguration: {
    updatedDateField: "modification_date",
    updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
    updatedDateTimezone: "GMT",
    createdDateField: "creation_date",
    createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
    createdDateTimezone: "GMT",
  },
};
