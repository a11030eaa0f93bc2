// CEQL, the Cloud Elements query language of `where=`: parse once, evaluate per record.
//
// Grammar (keywords are case-insensitive):
//   expr      := and ( OR and )*
//   and       := unary ( AND unary )*
//   unary     := NOT unary | '(' expr ')' | predicate
//   predicate := field op value                      op: = != <> < > <= >=
//              | field [NOT] LIKE 'pattern'          % any run, _ one character
//              | field [NOT] IN ( value, ... )
//              | field IS [NOT] NULL
//   value     := 'single quoted' ('' is a quote) | number | true | false | null
//   field     := name ( '.' name )*                  dotted paths reach nested fields
//
// Comparisons on date fields compare instants, not strings: both the record's value and the
// literal are read as ISO-8601 instants (any precision, `Z` or an offset; no zone means UTC).

/** A parse failure; `column` is 1-based in the where text. */
export class CeqlError extends Error {
  /** @param {string} message @param {number} column */
  constructor(message, column) {
    super(`${message} (column ${column})`);
    this.name = "CeqlError";
    this.column = column;
  }
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads an ISO-8601 date or instant as epoch milliseconds; `undefined` if it is not one.
 * @param {unknown} text
 * @returns {number|undefined}
 */
export function parseInstant(text) {
  if (typeof text !== "string") return undefined;
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
  const ms = Number((frac + "000").slice(0, 3));
  let t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  const check = new Date(t);
  if (check.getUTCDate() !== +d || check.getUTCMonth() !== +mo - 1 || +h > 23 || +mi > 59 || +s > 59) {
    return undefined;
  }
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    t -= sign * offMin * 60000;
  }
  return t;
}

function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const col = i + 1;
    if (c === "'") {
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new CeqlError("Unterminated string literal", col);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      tokens.push({ t: "str", v, col });
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c, col });
      i++;
    } else if ("=!<>".includes(c)) {
      const two = src.slice(i, i + 2);
      if (["!=", "<>", "<=", ">="].includes(two)) {
        tokens.push({ t: "op", v: two === "<>" ? "!=" : two, col });
        i += 2;
      } else if (c === "!") throw new CeqlError("Unexpected '!'", col);
      else {
        tokens.push({ t: "op", v: c, col });
        i++;
      }
    } else if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
      if (!m) throw new CeqlError(`Unexpected '${c}'`, col);
      tokens.push({ t: "num", v: Number(m[0]), col });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*/.exec(src.slice(i));
      tokens.push({ t: "word", v: m[0], col });
      i += m[0].length;
    } else if (c === "`" || c === '"') {
      // quoted identifiers, for field names with unusual characters
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new CeqlError("Unterminated quoted field name", col);
      tokens.push({ t: "word", v: src.slice(i + 1, end), quoted: true, col });
      i = end + 1;
    } else {
      throw new CeqlError(`Unexpected '${c}'`, col);
    }
  }
  tokens.push({ t: "end", col: src.length + 1 });
  return tokens;
}

const KEYWORDS = new Set(["AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL", "TRUE", "FALSE"]);

/**
 * @typedef {{type: "and", left: Node, right: Node}
 *   | {type: "or", left: Node, right: Node}
 *   | {type: "not", expr: Node}
 *   | {type: "cmp", field: string, op: string, value: unknown}
 *   | {type: "like", field: string, pattern: string, negated: boolean}
 *   | {type: "in", field: string, values: unknown[], negated: boolean}
 *   | {type: "null", field: string, negated: boolean}} Node
 */

/**
 * Parses a CEQL where clause.
 * @param {string} src
 * @returns {Node}
 * @throws {CeqlError}
 */
export function parseWhere(src) {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const kw = (word) => peek().t === "word" && !peek().quoted && peek().v.toUpperCase() === word;
  const expect = (t, what) => {
    if (peek().t !== t) throw new CeqlError(`Expected ${what}`, peek().col);
    return toks[p++];
  };
  const value = () => {
    const tok = peek();
    if (tok.t === "str" || tok.t === "num") {
      p++;
      return tok.v;
    }
    if (kw("TRUE")) {
      p++;
      return true;
    }
    if (kw("FALSE")) {
      p++;
      return false;
    }
    if (kw("NULL")) {
      p++;
      return null;
    }
    throw new CeqlError("Expected a value (a 'quoted string' or a number)", tok.col);
  };
  const predicate = () => {
    const tok = peek();
    if (tok.t !== "word" || (!tok.quoted && KEYWORDS.has(tok.v.toUpperCase()))) {
      throw new CeqlError("Expected a field name", tok.col);
    }
    p++;
    const field = tok.v;
    if (peek().t === "op") {
      const op = toks[p++].v;
      return { type: "cmp", field, op, value: value() };
    }
    if (kw("IS")) {
      p++;
      const negated = kw("NOT") ? (p++, true) : false;
      if (!kw("NULL")) throw new CeqlError("Expected NULL after IS", peek().col);
      p++;
      return { type: "null", field, negated };
    }
    const negated = kw("NOT") ? (p++, true) : false;
    if (kw("LIKE")) {
      p++;
      const pat = expect("str", "a quoted LIKE pattern");
      return { type: "like", field, pattern: pat.v, negated };
    }
    if (kw("IN")) {
      p++;
      expect("(", "'(' after IN");
      const values = [value()];
      while (peek().t === ",") {
        p++;
        values.push(value());
      }
      expect(")", "')' closing the IN list");
      return { type: "in", field, values, negated };
    }
    throw new CeqlError(`Expected an operator after '${field}'`, peek().col);
  };
  const unary = () => {
    if (kw("NOT")) {
      p++;
      return { type: "not", expr: unary() };
    }
    if (peek().t === "(") {
      p++;
      const e = or();
      expect(")", "')'");
      return e;
    }
    return predicate();
  };
  const and = () => {
    let left = unary();
    while (kw("AND")) {
      p++;
      left = { type: "and", left, right: unary() };
    }
    return left;
  };
  const or = () => {
    let left = and();
    while (kw("OR")) {
      p++;
      left = { type: "or", left, right: and() };
    }
    return left;
  };
  if (peek().t === "end") throw new CeqlError("Empty where clause", 1);
  const tree = or();
  if (peek().t !== "end") throw new CeqlError("Unexpected text after the expression", peek().col);
  return tree;
}

/** @param {Node} node @param {(field: string) => void} visit */
export function fieldsOf(node, visit) {
  if (node.type === "and" || node.type === "or") {
    fieldsOf(node.left, visit);
    fieldsOf(node.right, visit);
  } else if (node.type === "not") fieldsOf(node.expr, visit);
  else visit(node.field);
}

/**
 * Checks that every literal compared with a date field reads as an instant (a real provider
 * rejects such a query; comparing it would silently match nothing).
 * @param {Node} node @param {Set<string>} dateFields
 * @throws {CeqlError}
 */
export function checkDateLiterals(node, dateFields) {
  if (node.type === "and" || node.type === "or") {
    checkDateLiterals(node.left, dateFields);
    checkDateLiterals(node.right, dateFields);
    return;
  }
  if (node.type === "not") {
    checkDateLiterals(node.expr, dateFields);
    return;
  }
  if (!dateFields.has(node.field)) return;
  const values = node.type === "cmp" ? [node.value] : node.type === "in" ? node.values : [];
  for (const v of values) {
    if (typeof v === "string" && parseInstant(v) === undefined) {
      throw new CeqlError(
        `'${v}' is not a date for ${node.field} (expected ISO-8601, e.g. 2024-01-31T10:00:00.000Z)`,
        1,
      );
    }
  }
}

/** Reads a dotted path. */
export function getPath(obj, path) {
  let cur = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[part];
  }
  return cur;
}

function compareValues(a, b, isDate) {
  // returns negative/0/positive, or NaN when the two cannot be compared
  if (isDate) {
    const x = parseInstant(a),
      y = parseInstant(b);
    if (x !== undefined && y !== undefined) return x - y;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return NaN;
  }
  if (typeof a === "number" || typeof b === "number") {
    const x = Number(a),
      y = Number(b);
    if (a === "" || b === "" || Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x - y;
  }
  if (typeof a === "boolean" || typeof b === "boolean") {
    return String(a) === String(b) ? 0 : NaN;
  }
  const x = String(a),
    y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function likeToRegExp(pattern) {
  let re = "";
  for (const ch of pattern) {
    if (ch === "%") re += "[\\s\\S]*";
    else if (ch === "_") re += "[\\s\\S]";
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/**
 * Builds a predicate over records.
 * @param {Node} node
 * @param {Set<string>} dateFields fields whose comparisons are between instants
 * @returns {(record: object) => boolean}
 */
export function compileWhere(node, dateFields) {
  switch (node.type) {
    case "and": {
      const l = compileWhere(node.left, dateFields),
        r = compileWhere(node.right, dateFields);
      return (rec) => l(rec) && r(rec);
    }
    case "or": {
      const l = compileWhere(node.left, dateFields),
        r = compileWhere(node.right, dateFields);
      return (rec) => l(rec) || r(rec);
    }
    case "not": {
      const e = compileWhere(node.expr, dateFields);
      return (rec) => !e(rec);
    }
    case "null":
      return (rec) => {
        const v = getPath(rec, node.field);
        return (v === null || v === undefined) !== node.negated;
      };
    case "like": {
      const re = likeToRegExp(node.pattern);
      return (rec) => {
        const v = getPath(rec, node.field);
        if (v === null || v === undefined) return false;
        return re.test(String(v)) !== node.negated;
      };
    }
    case "in": {
      const isDate = dateFields.has(node.field);
      return (rec) => {
        const v = getPath(rec, node.field);
        if (v === null || v === undefined) return false;
        return node.values.some((x) => x !== null && compareValues(v, x, isDate) === 0) !== node.negated;
      };
    }
    case "cmp": {
      const isDate = dateFields.has(node.field);
      const { op, value } = node;
      return (rec) => {
        const v = getPath(rec, node.field);
        if (value === null) return op === "=" ? v == null : op === "!=" ? v != null : false;
        if (v === null || v === undefined) return op === "!=";
        const c = compareValues(v, value, isDate);
        if (Number.isNaN(c)) return op === "!=";
        switch (op) {
          case "=":
            return c === 0;
          case "!=":
            return c !== 0;
          case "<":
            return c < 0;
          case ">":
            return c > 0;
          case "<=":
            return c <= 0;
          case ">=":
            return c >= 0;
        }
        return false;
      };
    }
  }
  throw new Error(`unknown node ${/** @type {any} */ (node).type}`);
}
