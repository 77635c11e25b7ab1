// The customer as a record: an optional account, a link to their CRM record or ticket, the value
// at risk, and the key that tells whether the same customer was hurt before. Pure: no clock, no
// database; currencies and amounts follow the runtime's Intl data.

/** ISO-4217 codes the runtime knows (the same list Intl.NumberFormat formats). */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export const CUSTOMER_LIMITS = {
  account: 100,
  link: 500,
  /** The value at risk, in minor units (cents): larger is a typo, not a customer. */
  maxMinorUnits: 1_000_000_000,
};

/** How far back an earlier mistake for the same customer makes this one a repeat. */
export const REPEAT_WINDOW_DAYS = 90;

export function isCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/** How many digits after the decimal point a currency has (2 for EUR, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  return moneyFormat('en', currency).resolvedOptions().maximumFractionDigits ?? 2;
}

/** One Intl.NumberFormat per locale and currency, made the first time it is asked for (an export asks per row). */
const moneyFormats = new Map<string, Intl.NumberFormat>();
function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let found = moneyFormats.get(key);
  if (!found) {
    found = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(key, found);
  }
  return found;
}

/** A currency as typed ("eur ", "Usd") → its code, or null when it is not one. */
export function parseCurrency(raw: string): string | null {
  const code = raw.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) && isCurrency(code) ? code : null;
}

export type AmountResult = { ok: true; minor: number } | { ok: false; error: string };

/**
 * An amount as typed ("1,250.50", "1250", "99.9") in `currency` → whole minor units. Thousands
 * separators (comma, space, underscore, apostrophe) are ignored; the decimal point is a dot.
 */
export function parseAmount(raw: string, currency: string): AmountResult {
  const text = raw.trim();
  if (text.startsWith('-')) return { ok: false, error: 'The value at risk cannot be negative.' };
  const cleaned = text.replace(/[,\s_']/g, '');
  const match = /^(\d+)(?:\.(\d+))?$/.exec(cleaned);
  if (!match) return { ok: false, error: 'Write the value at risk as a number, like 1250 or 1,250.50.' };
  const digits = currencyDigits(currency);
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return {
      ok: false,
      error: digits === 0 ? `${currency} has no decimals: write a whole amount.` : `${currency} has ${digits} decimals at most.`,
    };
  }
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  if (whole.length > 15) return { ok: false, error: tooLarge(currency) };
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(minor) || minor > CUSTOMER_LIMITS.maxMinorUnits) return { ok: false, error: tooLarge(currency) };
  return { ok: true, minor };
}

function tooLarge(currency: string): string {
  return `That is more than a customer puts at risk: at most ${formatMoney(CUSTOMER_LIMITS.maxMinorUnits, currency)}.`;
}

/** Minor units in `currency` as people read it: "$1,250.50", "€99.00", "¥1,000". */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const digits = currencyDigits(currency);
  return moneyFormat(locale, currency).format(minor / 10 ** digits);
}

/** Minor units as a plain decimal in the currency's major unit ("1250.50", "1000" for JPY). */
export function majorUnits(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(minor).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** A CRM record or ticket link: https only, with a host, and nothing Slack's link syntax would cut. */
export function parseCustomerLink(raw: string): { ok: true; url: string } | { ok: false; error: string } {
  const text = raw.trim();
  const refuse = { ok: false as const, error: 'Paste an https:// link to the CRM record or ticket.' };
  if (text.length > CUSTOMER_LIMITS.link) return { ok: false, error: `The link is too long (at most ${CUSTOMER_LIMITS.link} characters).` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse;
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return refuse;
  // `<`, `>` and `|` end a Slack link: stored percent-encoded (URL() already encodes spaces).
  return { ok: true, url: url.href.replace(/[<>|]/g, encodeURIComponent) };
}

/**
 * A name or account id as a comparison key: case, accents' case, spacing and punctuation do not
 * tell two customers apart ("Harbor Bakery", "harbor  bakery", "Harbor-Bakery!"); letters and
 * digits do ("Harbour Bakers" is another customer).
 */
export function normalizeCustomer(raw: string): string {
  return raw
    .normalize('NFKC')
    .toLocaleLowerCase('en-US')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The key a customer's mistakes share: the account id when given, else the name. Null when
 * neither has a letter or digit (nothing to match on).
 */
export function customerKey(customer: string, account: string | null): string | null {
  if (account) {
    const key = normalizeCustomer(account);
    if (key) return `account:${key}`;
  }
  const name = normalizeCustomer(customer);
  return name ? `name:${name}` : null;
}

// Made once: building a PluralRules costs far more than asking it (a card asks on every render).
const ORDINAL_RULES = new Intl.PluralRules('en-US', { type: 'ordinal' });
const ORDINAL_SUFFIX: Partial<Record<Intl.LDMLPluralRule, string>> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };

/** 1 → "1st", 2 → "2nd", 3 → "3rd", 11 → "11th", 22 → "22nd". */
export function ordinal(n: number): string {
  return `${n}${ORDINAL_SUFFIX[ORDINAL_RULES.select(n)] ?? 'th'}`;
}
