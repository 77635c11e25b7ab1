// What a report must contain before anything is stored. Every problem is reported at once, by
// field, so the modal can show each message under its own input.

import { CATEGORIES, type Category, cleanText, PlaybookError, SEVERITIES, type Severity, TEXT_LIMITS } from './playbook';
import { CUSTOMER_LIMITS, parseAmount, parseCurrency, parseCustomerLink } from './customer';
import { isUserId } from './slackIds';

export interface ReportFields {
  customer: string;
  whatHappened: string;
  impact: string;
  severity: Severity;
  /** Optional: null when the reporter left it empty (it is not "other"). */
  category: Category | null;
  ownerId: string;
  /** Optional: the customer's account id or account name. */
  account: string | null;
  /** Optional: an https link to their CRM record or ticket. */
  link: string | null;
  /** Optional: the value at risk, in minor units of `currency`. */
  value: { minor: number; currency: string } | null;
}

export interface RawReport {
  customer?: unknown;
  whatHappened?: unknown;
  impact?: unknown;
  severity?: unknown;
  category?: unknown;
  ownerId?: unknown;
  account?: unknown;
  link?: unknown;
  valueAmount?: unknown;
  valueCurrency?: unknown;
}

export type ReportField = keyof RawReport;

export type ReportValidation = { ok: true; value: ReportFields } | { ok: false; errors: Partial<Record<ReportField, string>> };

/** The owner defaults to the reporter: whoever reports a mistake owns it unless they name someone. */
export function validateReport(raw: RawReport, reporterId: string, options: { defaultCurrency?: string } = {}): ReportValidation {
  const errors: Partial<Record<ReportField, string>> = {};
  const text = (field: ReportField, label: string, max: number): string => {
    try {
      return cleanText(raw[field], label, max, field);
    } catch (e) {
      if (e instanceof PlaybookError) errors[field] = e.message;
      return '';
    }
  };
  const customer = text('customer', 'The customer', TEXT_LIMITS.customer);
  const whatHappened = text('whatHappened', 'What happened', TEXT_LIMITS.whatHappened);
  const impact = text('impact', 'The impact on the customer', TEXT_LIMITS.impact);
  const severity = raw.severity;
  if (!SEVERITIES.includes(severity as Severity)) {
    errors.severity = 'Choose how severe it is for the customer: low, medium, high or critical.';
  }
  const category = raw.category === undefined || raw.category === null || raw.category === '' ? null : raw.category;
  if (category !== null && !CATEGORIES.includes(category as Category)) {
    errors.category = 'Choose a category from the list.';
  }
  const owner = raw.ownerId === undefined || raw.ownerId === null || raw.ownerId === '' ? reporterId : raw.ownerId;
  if (!isUserId(owner)) {
    errors.ownerId = 'Choose the person who owns the recovery.';
  }
  const optional = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
  const accountText = optional(raw.account);
  let account: string | null = null;
  if (accountText) account = text('account', 'The account', CUSTOMER_LIMITS.account) || null;
  let link: string | null = null;
  const linkText = optional(raw.link);
  if (linkText) {
    const parsed = parseCustomerLink(linkText);
    if (parsed.ok) link = parsed.url;
    else errors.link = parsed.error;
  }
  let value: ReportFields['value'] = null;
  const currencyText = optional(raw.valueCurrency) || (options.defaultCurrency ?? 'USD');
  const currency = parseCurrency(currencyText);
  const amountText = optional(raw.valueAmount);
  if (!currency) {
    errors.valueCurrency = `“${currencyText.slice(0, 20)}” is not an ISO 4217 currency code (like USD, EUR, GBP, JPY).`;
  } else if (amountText) {
    const amount = parseAmount(amountText, currency);
    if (amount.ok) value = { minor: amount.minor, currency };
    else errors.valueAmount = amount.error;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      customer,
      whatHappened,
      impact,
      severity: severity as Severity,
      category: category as Category | null,
      ownerId: owner as string,
      account,
      link,
      value,
    },
  };
}
