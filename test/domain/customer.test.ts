import {
  currencyDigits,
  customerKey,
  formatMoney,
  normalizeCustomer,
  ordinal,
  parseAmount,
  parseCurrency,
  parseCustomerLink,
} from '../../src/domain/customer';
import { draftCustomerNote } from '../../src/domain/customerNote';
import { validateReport } from '../../src/domain/report';

describe('normalizeCustomer and customerKey: the same customer, whatever the typing', () => {
  it.each([
    ['Harbor Bakery', 'harbor bakery', true],
    ['Harbor Bakery', '  HARBOR   bakery ', true],
    ['Harbor Bakery', 'Harbor-Bakery!', true],
    ['Harbor Bakery', 'Harbor, Bakery.', true],
    ['Harbor Bakery', 'Harbor\tBakery', true],
    ['Ｈａｒｂｏｒ Bakery', 'harbor bakery', true],
    ['Café Lumière', 'CAFÉ LUMIÈRE', true],
    ['Harbor Bakery', 'Harbour Bakers', false],
    ['Harbor Bakery', 'Harbour Bakery', false],
    ['Harbor Bakery', 'Harbor Bakers', false],
    ['Harbor Bakery', 'HarborBakery', false],
    ['Acme 2', 'Acme 3', false],
    ['Café', 'Cafe', false],
  ])('%p vs %p → same: %p', (a, b, same) => {
    expect(customerKey(a, null) === customerKey(b, null)).toBe(same);
  });

  it('matches on the account when one is given, whatever the names', () => {
    expect(customerKey('Harbor Bakery', 'ACC-42')).toBe(customerKey('Harbour Bakers Ltd', 'acc 42'));
    expect(customerKey('Harbor Bakery', 'ACC-42')).not.toBe(customerKey('Harbor Bakery', 'ACC-43'));
    // An account and a bare name never share a key, even when they read the same.
    expect(customerKey('Harbor Bakery', 'Harbor Bakery')).not.toBe(customerKey('Harbor Bakery', null));
  });

  it('has no key for a name with nothing to match on', () => {
    expect(customerKey('!!!', null)).toBeNull();
    expect(customerKey('  ', '---')).toBeNull();
    expect(normalizeCustomer('  Harbor   Bakery  ')).toBe('harbor bakery');
  });
});

describe('parseCustomerLink: https only', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'http://crm.example.com/accounts/42',
    'ftp://crm.example.com/42',
    'data:text/html,<b>x</b>',
    'crm.example.com/accounts/42',
    'https://',
    'https://user:secret@crm.example.com/42',
    'not a link',
    `https://crm.example.com/${'a'.repeat(600)}`,
  ])('refuses %p', (raw) => {
    expect(parseCustomerLink(raw).ok).toBe(false);
  });

  it.each([
    ['https://crm.example.com/accounts/42', 'https://crm.example.com/accounts/42'],
    ['  https://help.example.com/tickets/9?view=full  ', 'https://help.example.com/tickets/9?view=full'],
    ['https://crm.example.com/a|b>c', 'https://crm.example.com/a%7Cb%3Ec'],
  ])('accepts %p as %p', (raw, url) => {
    expect(parseCustomerLink(raw)).toEqual({ ok: true, url });
  });
});

describe('currencies and amounts', () => {
  it('knows ISO 4217 codes from Intl, in any case', () => {
    expect(parseCurrency('eur')).toBe('EUR');
    expect(parseCurrency(' Jpy ')).toBe('JPY');
    expect(parseCurrency('XYZ')).toBeNull();
    expect(parseCurrency('EURO')).toBeNull();
    expect(parseCurrency('')).toBeNull();
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
  });

  it.each([
    ['1250', 'USD', 125000],
    ['1,250.50', 'USD', 125050],
    ['99.9', 'EUR', 9990],
    ['0', 'USD', 0],
    ['1 000', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['10,000,000', 'USD', 1_000_000_000],
  ])('reads %p %s as %p minor units', (raw, currency, minor) => {
    expect(parseAmount(raw, currency)).toEqual({ ok: true, minor });
  });

  it.each([
    ['-5', 'USD', /negative/],
    ['-0.01', 'USD', /negative/],
    ['1e9', 'USD', /number/],
    ['12abc', 'USD', /number/],
    ['1.5', 'JPY', /no decimals/],
    ['1.234', 'USD', /2 decimals/],
    ['10,000,000.01', 'USD', /at most/],
    ['999999999999999999999', 'USD', /at most/],
    ['Infinity', 'USD', /number/],
    ['NaN', 'USD', /number/],
  ])('refuses %p %s', (raw, currency, reason) => {
    const result = parseAmount(raw, currency);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('formats minor units with Intl.NumberFormat', () => {
    expect(formatMoney(125050, 'USD')).toBe('$1,250.50');
    expect(formatMoney(1000, 'JPY')).toBe('¥1,000');
    expect(formatMoney(9990, 'EUR')).toBe('€99.90');
  });

  it('says 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st']);
  });
});

describe('validateReport: the optional customer record', () => {
  const base = { customer: 'Harbor Bakery', whatHappened: 'Wrong cake', impact: 'A ruined party', severity: 'high' };

  it('stores nothing extra when nothing extra is given', () => {
    expect(validateReport(base, 'UALICE')).toMatchObject({ ok: true, value: { account: null, link: null, value: null } });
  });

  it('takes the default currency when none is typed', () => {
    expect(validateReport({ ...base, valueAmount: '1,250.50' }, 'UALICE', { defaultCurrency: 'EUR' })).toMatchObject({
      ok: true,
      value: { value: { minor: 125050, currency: 'EUR' } },
    });
  });

  it('reports every bad field at once, by field', () => {
    const result = validateReport({ ...base, link: 'javascript:alert(1)', valueAmount: '-3', account: 'x'.repeat(101) }, 'UALICE', {
      defaultCurrency: 'USD',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(['account', 'link', 'valueAmount']);
    const currency = validateReport({ ...base, valueAmount: '5', valueCurrency: 'ABC' }, 'UALICE');
    expect(currency).toMatchObject({ ok: false, errors: { valueCurrency: expect.stringMatching(/ISO 4217/) } });
  });
});

describe('draftCustomerNote', () => {
  it('addresses the customer and says what changes, owning it without excuses', () => {
    const note = draftCustomerNote({ customer: ' Harbor Bakery ', whatChanges: ' Dispatch confirms the address on every first order. ' });
    expect(note.startsWith('Hello Harbor Bakery,\n')).toBe(true);
    expect(note).toContain('\nDispatch confirms the address on every first order.\n');
    expect(note).toContain('the mistake we made');
    expect(note).not.toMatch(/\bbut\b|unfortunately|policy|out of our control/i);
  });
});
