// Generates tests/jdk/corpus.tsv, the conformance corpus of src/datefmt, from the JDK.
//
//     java tests/jdk/Gen.java > tests/jdk/corpus.tsv      (JDK 17, deterministic: fixed seed)
//
// Lines (tab separated):
//     F  pattern  zone  epochMs  expectedText         formatting
//     P  pattern  zone  text     expectedEpochMs|!    parsing ("!" = must be rejected)
//
// The oracle is java.text.SimpleDateFormat with Locale.ENGLISH and setLenient(false), with
// the deliberate differences of DESIGN section 3, generated here with java.time's rules:
//  1. Trailing text is a rejection: a parse counts only if ParsePosition reaches the end
//     (SimpleDateFormat.parse(String) ignores what follows the date).
//  2. Gap and fold: for patterns without an offset field the text is parsed by a UTC
//     SimpleDateFormat (giving the local wall time exactly, with its strict field checks) and
//     the wall time is then placed in the zone with LocalDateTime.atZone (java.time: a gap
//     moves forward by its length, a fold takes the earlier offset). SimpleDateFormat itself
//     rejects gap times when non-lenient and takes the later offset in a fold.
//  3. A run of S is a fraction of a second with exactly that many digits (java.time). For a
//     pattern with an S run, the run is replaced by SSS and the fraction digits of the text by
//     "000" before SimpleDateFormat reads it; the fraction's value is then added. Mutations that
//     change the width of the fraction are left out (the two libraries disagree there by
//     design). Formatting writes the first n digits of the fraction. Canonical values of such
//     patterns are cross-checked against java.time's DateTimeFormatter (STRICT) here.
//  4. Two-digit years pivot at 1950 (set2DigitYearStart(1950-01-01T00:00 local)).
//  5. `z` is used only with GMT, UTC and fixed offsets, whose names we spell as the JDK does.
//  6. Numbers carry no sign: SimpleDateFormat reads "-0" in a number field as 0 (DecimalFormat's
//     negative zero); mutations that put a "-0" at the start of a number are left out.
// Instants lie in 1970..2099 and accepted mutations in 1900..2099: SimpleDateFormat is Julian
// before 1582, and chrono-tz's tables end in 2099 (the JDK extends DST rules forever).
import java.text.*;
import java.time.*;
import java.time.format.*;
import java.time.temporal.*;
import java.time.zone.*;
import java.util.*;

public class Gen {
    static final String[] ZONES = {
        "UTC", "GMT", "GMT+05:30", "-08:00", "PST", "IST",
        "America/New_York", "America/Los_Angeles", "America/St_Johns", "America/Sao_Paulo",
        "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "Asia/Tokyo",
        "Australia/Adelaide", "Australia/Eucla", "Australia/Lord_Howe", "Pacific/Chatham",
    };
    static final Set<String> NAMED_OK = Set.of("UTC", "GMT", "GMT+05:30", "-08:00");
    static final String[] PATTERNS = {
        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "yyyy-MM-dd'T'HH:mm:ssXXX",
        "yyyy-MM-dd'T'HH:mm:ssZ",
        "yyyy-MM-dd'T'HH:mmXX",
        "yyyy-MM-dd HH:mm:ss",
        "EEE, dd MMM yyyy HH:mm:ss Z",
        "EEEE, MMMM d, yyyy h:mm a",
        "MM/dd/yy hh:mm:ss a",
        "dd.MM.yyyy HH:mm",
        "yyyyMMddHHmmss",
        "yyyyMMdd'T'HHmmssSSS",
        "G yyyy-MM-dd HH:mm:ss.SSS X",
        "yyyy-DDD'T'kk:mm",
        "YYYY-'W'ww-u HH:mm",
        "d MMM yy K:mm a",
        "yyyy.MM.dd G 'at' HH:mm:ss z",
        "EEE MMM dd HH:mm:ss z yyyy",
        "hh 'o''clock' a, zzzz, yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'",
        "yyyy-MM-dd HH:mm:ss.S",
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX",
        "'W'W 'F'F E yyyy-MM-dd HH:mm",
        "LLLL yyyy-MM-dd HH:mm:ss",
        "yy-M-d H:m:s",
        "u dd/MM/yyyy kk:mm:ss.SS",
        "MMM d, yyyy HH:mm:ss.SSS",
    };
    static final Random RNG = new Random(20240310L);
    static final long MIN = Instant.parse("1970-01-01T00:00:00Z").toEpochMilli();
    static final long MAX = Instant.parse("2099-12-31T00:00:00Z").toEpochMilli();
    static final StringBuilder OUT = new StringBuilder();
    static int formats, parses, rejects;

    public static void main(String[] args) throws Exception {
        for (String pattern : PATTERNS) {
            boolean named = pattern.replaceAll("'[^']*'", "").contains("z");
            for (String zone : ZONES) {
                if (named && !NAMED_OK.contains(zone)) continue;
                for (long ms : instants(zone, pattern)) {
                    emitFormat(pattern, zone, ms);
                    emitParses(pattern, zone, ms);
                }
            }
        }
        System.out.print(OUT);
        System.err.printf("%d format cases, %d parse cases (%d rejections)%n", formats, parses, rejects);
    }

    static ZoneId zoneId(String zone) {
        return ZoneId.of(zone, ZoneId.SHORT_IDS);
    }

    /** Random instants, instants within two hours of DST transitions, and a few edges. */
    static List<Long> instants(String zone, String pattern) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 6; i++) out.add(MIN + (long) (RNG.nextDouble() * (MAX - MIN)));
        out.add(0L);
        out.add(951782400000L + RNG.nextInt(86_400_000)); // 2000-02-29
        out.add(1703980800000L + RNG.nextInt(86_400_000)); // 2023-12-31 (week-year edge)
        ZoneRules rules = zoneId(zone).getRules();
        Instant from = Instant.ofEpochMilli(MIN + (long) (RNG.nextDouble() * (MAX - MIN) * 0.8));
        ZoneOffsetTransition t = rules.nextTransition(from);
        for (int k = 0; k < 3 && t != null; k++) {
            long at = t.getInstant().toEpochMilli();
            out.add(at - 1);
            out.add(at);
            out.add(at + RNG.nextInt(7_200_000) - 3_600_000);
            out.add(at + RNG.nextInt(14_400_000) - 7_200_000);
            t = rules.nextTransition(t.getInstant().plusSeconds(40 * 86400));
        }
        return out;
    }

    static SimpleDateFormat sdf(String pattern, TimeZone tz) {
        SimpleDateFormat f = new SimpleDateFormat(pattern, Locale.ENGLISH);
        f.setLenient(false);
        f.setTimeZone(tz);
        // Pivot the two-digit years at 1950-01-01T00:00 in the formatter's zone.
        Calendar c = Calendar.getInstance(tz, Locale.ENGLISH);
        c.clear();
        c.set(1950, Calendar.JANUARY, 1, 0, 0, 0);
        f.set2DigitYearStart(c.getTime());
        return f;
    }

    /** [start, length] of the S run outside quotes, or null. */
    static int[] sRun(String p) {
        boolean q = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\'') q = !q;
            else if (!q && c == 'S') {
                int j = i;
                while (j < p.length() && p.charAt(j) == 'S') j++;
                return new int[] {i, j - i};
            }
        }
        return null;
    }

    static boolean hasOffsetField(String p) {
        String bare = p.replaceAll("'[^']*'", "");
        return bare.contains("z") || bare.contains("Z") || bare.contains("X");
    }

    static String sdfPattern(String p) {
        int[] s = sRun(p);
        return s == null ? p : p.substring(0, s[0]) + "SSS" + p.substring(s[0] + s[1]);
    }

    /** Formatting: SimpleDateFormat, with an S run written as the first n fraction digits. */
    static String format(String pattern, String zone, long ms, int[] span) {
        SimpleDateFormat f = sdf(sdfPattern(pattern), TimeZone.getTimeZone(zoneId(zone)));
        FieldPosition fp = new FieldPosition(DateFormat.Field.MILLISECOND);
        StringBuffer sb = new StringBuffer();
        f.format(new Date(ms), sb, fp);
        int[] s = sRun(pattern);
        if (s == null) return sb.toString();
        String fraction = String.format("%09d", Math.floorMod(ms, 1000L) * 1_000_000L).substring(0, s[1]);
        sb.replace(fp.getBeginIndex(), fp.getEndIndex(), fraction);
        span[0] = fp.getBeginIndex();
        span[1] = fp.getBeginIndex() + s[1];
        return sb.toString();
    }

    static void emitFormat(String pattern, String zone, long ms) {
        String text = format(pattern, zone, ms, new int[2]);
        int[] s = sRun(pattern);
        if (s != null && s[1] != 3) javaTimeCheckFormat(pattern, zone, ms, text);
        OUT.append("F\t").append(pattern).append('\t').append(zone).append('\t').append(ms).append('\t').append(text).append('\n');
        formats++;
    }

    /** The expected parse of `text`, or null for a rejection. `span` is the fraction's place. */
    static Long expected(String pattern, String zone, String text, int[] span) {
        int[] s = sRun(pattern);
        long fractionMs = 0;
        String sdfText = text;
        if (s != null) {
            String digits = text.substring(span[0], span[1]);
            if (!digits.chars().allMatch(Character::isDigit)) return null;
            fractionMs = Long.parseLong((digits + "000").substring(0, 3));
            sdfText = text.substring(0, span[0]) + "000" + text.substring(span[1]);
        }
        SimpleDateFormat f = sdf(sdfPattern(pattern), TimeZone.getTimeZone("UTC"));
        ParsePosition pos = new ParsePosition(0);
        Date d = f.parse(sdfText, pos);
        if (d == null || pos.getIndex() != sdfText.length()) return null;
        long v = d.getTime();
        if (!hasOffsetField(pattern)) {
            LocalDateTime ldt = LocalDateTime.ofEpochSecond(Math.floorDiv(v, 1000L), (int) Math.floorMod(v, 1000L) * 1_000_000, ZoneOffset.UTC);
            v = ldt.atZone(zoneId(zone)).toInstant().toEpochMilli();
        }
        return v + fractionMs;
    }

    static final long LOW = Instant.parse("1900-01-02T00:00:00Z").toEpochMilli();
    static final long HIGH = Instant.parse("2099-12-30T00:00:00Z").toEpochMilli();
    static final java.util.regex.Pattern SIGNED_ZERO = java.util.regex.Pattern.compile("(?<![0-9])-0");
    static final Set<String> SEEN = new HashSet<>();

    /** Whether a lenient reading lands outside 1900..2099, where a rejection may be Julian. */
    static boolean outOfRange(String pattern, String text) {
        SimpleDateFormat f = sdf(sdfPattern(pattern), TimeZone.getTimeZone("UTC"));
        f.setLenient(true);
        ParsePosition pos = new ParsePosition(0);
        Date d = f.parse(text, pos);
        return d != null && (d.getTime() < LOW || d.getTime() > HIGH);
    }

    static long signedZeros(String s) {
        return SIGNED_ZERO.matcher(s).results().count();
    }

    static void emitParse(String pattern, String zone, String text, Long exp) {
        emitParse(pattern, zone, text, exp, null);
    }

    static void emitParse(String pattern, String zone, String text, Long exp, String canonical) {
        if (text.indexOf('\t') >= 0 || text.indexOf('\n') >= 0) return;
        if (exp != null && (exp < LOW || exp > HIGH)) return;
        if (canonical != null && exp != null && signedZeros(text) > signedZeros(canonical)) return;
        if (canonical != null && exp == null && outOfRange(pattern, text)) return;
        if (!SEEN.add(pattern + "\t" + zone + "\t" + text)) return;
        OUT.append("P\t").append(pattern).append('\t').append(zone).append('\t').append(text).append('\t')
            .append(exp == null ? "!" : exp.toString()).append('\n');
        parses++;
        if (exp == null) rejects++;
    }

    static final String INSERTS = "0123456789 x:-/.+aAZTé";

    static void emitParses(String pattern, String zone, long ms) {
        int[] span = {-1, -1};
        String text = format(pattern, zone, ms, span);
        Long canonical = expected(pattern, zone, text, span);
        int[] s = sRun(pattern);
        if (s != null && s[1] != 3) javaTimeCheckParse(pattern, zone, text, canonical);
        emitParse(pattern, zone, text, canonical);
        // Mutations: each keeps the fraction's width (see 3. above) or is skipped.
        for (int k = 0; k < 5; k++) {
            int kind = RNG.nextInt(7);
            int i = RNG.nextInt(text.length() + 1);
            String m;
            int shift;
            switch (kind) {
                case 0: if (i == text.length()) continue; m = text.substring(0, i) + text.substring(i + 1); shift = -1; break;
                case 1: m = text.substring(0, i) + INSERTS.charAt(RNG.nextInt(INSERTS.length())) + text.substring(i); shift = 1; break;
                case 2: if (i == text.length()) continue; m = text.substring(0, i) + (char) ('0' + RNG.nextInt(10)) + text.substring(i + 1); shift = 0; break;
                case 3: m = RNG.nextBoolean() ? text.toUpperCase(Locale.ROOT) : text.toLowerCase(Locale.ROOT); i = -1; shift = 0; break;
                case 4: m = text + (RNG.nextBoolean() ? "x" : "0"); i = text.length(); shift = 0; break;
                case 5: m = text.substring(0, i); shift = 0; if (s != null && i < span[1]) continue; break;
                default: m = fieldMutation(pattern, zone, ms, text); i = -1; shift = 0; if (m == null) continue;
            }
            int[] mspan = span.clone();
            if (s != null) {
                if (kind == 2 && i >= span[0] && i < span[1]) {
                    // same width: fine
                } else if (kind == 3 || kind == 6) {
                    // case changes and field replacements keep positions
                } else if (i >= 0 && i <= span[1]) {
                    if (i >= span[0]) continue; // touches the fraction
                    // Before an S run abutting a number, a change of length moves digits
                    // between the two fields: no fixed span to compare.
                    if (shift != 0 && Character.isLetter(pattern.charAt(s[0] - 1))) continue;
                    mspan[0] += shift;
                    mspan[1] += shift;
                }
            }
            emitParse(pattern, zone, m, expected(pattern, zone, m, mspan), text);
        }
        // A day name that contradicts the date.
        if (pattern.contains("E")) {
            FieldPosition fp = new FieldPosition(DateFormat.Field.DAY_OF_WEEK);
            sdf(sdfPattern(pattern), TimeZone.getTimeZone(zoneId(zone))).format(new Date(ms), new StringBuffer(), fp);
            String day = text.substring(fp.getBeginIndex(), fp.getEndIndex());
            String[] names = day.length() > 3
                ? new String[] {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
                : new String[] {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
            String other = names[RNG.nextInt(7)];
            String m = text.substring(0, fp.getBeginIndex()) + other + text.substring(fp.getEndIndex());
            int[] mspan = {span[0] + other.length() - day.length(), span[1] + other.length() - day.length()};
            emitParse(pattern, zone, m, expected(pattern, zone, m, mspan), text);
        }
    }

    static final DateFormat.Field[] FIELDS = {
        DateFormat.Field.DAY_OF_MONTH, DateFormat.Field.MONTH, DateFormat.Field.HOUR_OF_DAY0,
        DateFormat.Field.MINUTE, DateFormat.Field.SECOND, DateFormat.Field.HOUR1, DateFormat.Field.DAY_OF_YEAR,
    };
    static final String[] VALUES = {"00", "13", "24", "29", "30", "31", "32", "60", "12", "366"};

    /** An out-of-range or impossible value put in a numeric field of equal width. */
    static String fieldMutation(String pattern, String zone, long ms, String text) {
        DateFormat.Field field = FIELDS[RNG.nextInt(FIELDS.length)];
        FieldPosition fp = new FieldPosition(field);
        sdf(sdfPattern(pattern), TimeZone.getTimeZone(zoneId(zone))).format(new Date(ms), new StringBuffer(), fp);
        int len = fp.getEndIndex() - fp.getBeginIndex();
        if (len < 2 || len > 3) return null;
        String v = VALUES[RNG.nextInt(VALUES.length)];
        if (v.length() != len || !text.substring(fp.getBeginIndex(), fp.getEndIndex()).chars().allMatch(Character::isDigit)) return null;
        return text.substring(0, fp.getBeginIndex()) + v + text.substring(fp.getEndIndex());
    }

    /** For S runs other than three the reference is java.time; check the generated expectation. */
    static DateTimeFormatter javaTime(String pattern) {
        return DateTimeFormatter.ofPattern(pattern.replace("yyyy", "uuuu"), Locale.ENGLISH).withResolverStyle(ResolverStyle.STRICT);
    }

    /** Whether the pattern's letters mean the same in java.time (u, for one, does not). */
    static boolean javaTimeCompatible(String pattern) {
        return pattern.replaceAll("'[^']*'", "").replaceAll("[yMdHmsSX]", "").chars().noneMatch(Character::isLetter);
    }

    static void javaTimeCheckFormat(String pattern, String zone, long ms, String text) {
        if (!javaTimeCompatible(pattern)) return;
        String jt = javaTime(pattern).format(Instant.ofEpochMilli(ms).atZone(zoneId(zone)));
        if (!jt.equals(text)) throw new AssertionError("java.time formats " + pattern + " as " + jt + ", we expect " + text);
    }

    static void javaTimeCheckParse(String pattern, String zone, String text, Long exp) {
        if (!javaTimeCompatible(pattern)) return;
        TemporalAccessor ta = javaTime(pattern).parse(text);
        LocalDateTime ldt = LocalDateTime.from(ta);
        long jt = ta.isSupported(ChronoField.OFFSET_SECONDS)
            ? ldt.toInstant(ZoneOffset.from(ta)).toEpochMilli()
            : ldt.atZone(zoneId(zone)).toInstant().toEpochMilli();
        if (exp == null || jt != exp) throw new AssertionError("java.time parses " + text + " (" + pattern + ") as " + jt + ", we expect " + exp);
    }
}
