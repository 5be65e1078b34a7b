import { describe, expect, it } from "vitest";
import {
  MONTHS,
  amount,
  date,
  dateTime,
  formatNorwegianDate,
  month,
  parseAmount,
  parseIsoTimestamp,
  parseNorwegianDate,
  parseOpenSslTime,
  plural,
  readable,
  time,
  todayInOslo,
} from "../src/lib/norsk";

const NBSP = "\u00a0";

describe("dateTime", () => {
  it("writes an instant in Oslo time, Norwegian style", () => {
    // Winter: Oslo is UTC+1.
    expect(dateTime("2026-12-06T19:42:00Z")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T19:42:00+00:00")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T20:42:00+01:00")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T14:42:00-05:00")).toBe("6. desember 2026 kl. 20.42");
  });

  it("follows summer time", () => {
    // Summer: Oslo is UTC+2.
    expect(dateTime("2026-07-01T10:05:00Z")).toBe("1. juli 2026 kl. 12.05");
    // The night the clocks go forward (29 March 2026, 02:00 → 03:00).
    expect(dateTime("2026-03-29T00:59:00Z")).toBe("29. mars 2026 kl. 01.59");
    expect(dateTime("2026-03-29T01:00:00Z")).toBe("29. mars 2026 kl. 03.00");
    // And back (25 October 2026, 03:00 → 02:00).
    expect(dateTime("2026-10-25T00:30:00Z")).toBe("25. oktober 2026 kl. 02.30");
    expect(dateTime("2026-10-25T01:30:00Z")).toBe("25. oktober 2026 kl. 02.30");
  });

  it("moves to the next day in Oslo when UTC is still the day before", () => {
    expect(dateTime("2026-12-31T23:30:00Z")).toBe("1. januar 2027 kl. 00.30");
  });

  it("writes midnight as 00, not 24", () => {
    expect(dateTime("2026-12-05T23:00:00Z")).toBe("6. desember 2026 kl. 00.00");
  });

  it("takes fractions of a second, a space for T, an offset without colon, and no offset as UTC", () => {
    expect(dateTime("2026-12-06T19:42:59.123456789Z")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06 19:42:00Z")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T20:42:00+0100")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T19:42:00")).toBe("6. desember 2026 kl. 20.42");
    expect(dateTime("2026-12-06T19:42")).toBe("6. desember 2026 kl. 20.42");
  });

  it("uses every month's name", () => {
    expect(MONTHS).toHaveLength(12);
    for (let m = 1; m <= 12; m++) {
      const iso = `2026-${String(m).padStart(2, "0")}-15T10:00:00Z`;
      expect(dateTime(iso)).toBe(`15. ${MONTHS[m - 1]} 2026 kl. ${m >= 4 && m <= 10 ? "12" : "11"}.00`);
    }
  });

  it("returns anything that is not a timestamp unchanged, and nothing for nothing", () => {
    expect(dateTime("i morgen")).toBe("i morgen");
    expect(dateTime("2026-13-01T10:00:00Z")).toBe("2026-13-01T10:00:00Z");
    expect(dateTime("2026-02-30T10:00:00Z")).toBe("2026-02-30T10:00:00Z");
    expect(dateTime("2026-12-06T25:00:00Z")).toBe("2026-12-06T25:00:00Z");
    expect(dateTime("")).toBe("");
    expect(dateTime(null)).toBe("");
    expect(dateTime(undefined)).toBe("");
  });

  it("never shows 'Invalid Date' or NaN", () => {
    for (const odd of ["NaN", "Invalid Date", "2026-12-06T", "T19:42", "1733510520"]) {
      expect(dateTime(odd)).toBe(odd);
      expect(date(odd)).toBe(odd);
      expect(time(odd)).toBe(odd);
    }
  });
});

describe("date", () => {
  it("writes a timestamp's day in Oslo", () => {
    expect(date("2026-12-06T19:42:00Z")).toBe("6. desember 2026");
    expect(date("2026-12-31T23:30:00Z")).toBe("1. januar 2027");
  });

  it("takes a calendar date as it is, with no time-zone shift", () => {
    expect(date("2026-12-06")).toBe("6. desember 2026");
    expect(date("2027-01-01")).toBe("1. januar 2027");
    expect(date("2028-02-29")).toBe("29. februar 2028");
  });

  it("refuses a day that does not exist by returning it unchanged", () => {
    expect(date("2026-02-29")).toBe("2026-02-29");
    expect(date("2026-00-10")).toBe("2026-00-10");
  });

  it("reads a certificate's date as OpenSSL writes it", () => {
    expect(date("Jan  5 20:40:04 2027 GMT")).toBe("5. januar 2027");
    expect(date("Jan 5 20:40:04 2027 GMT")).toBe("5. januar 2027");
    expect(date("Dec 31 23:30:00 2026 GMT")).toBe("1. januar 2027");
    expect(date("Jun 15 08:00:00.5 2027 GMT")).toBe("15. juni 2027");
  });

  it("returns other text unchanged", () => {
    expect(date("snart")).toBe("snart");
    expect(date("Foo  5 20:40:04 2027 GMT")).toBe("Foo  5 20:40:04 2027 GMT");
    expect(date(null)).toBe("");
  });
});

describe("month and time", () => {
  it("writes a month", () => {
    expect(month("2026-12")).toBe("desember 2026");
    expect(month("2027-01")).toBe("januar 2027");
    expect(month("2026-05-17")).toBe("mai 2026");
  });

  it("returns a month it cannot read unchanged", () => {
    expect(month("2026-13")).toBe("2026-13");
    expect(month("desember")).toBe("desember");
    expect(month("")).toBe("");
  });

  it("writes the time of day in Oslo with a point", () => {
    expect(time("2026-12-06T19:42:00Z")).toBe("20.42");
    expect(time("2026-07-01T07:05:00Z")).toBe("09.05");
    expect(time("klokka åtte")).toBe("klokka åtte");
    expect(time(null)).toBe("");
  });
});

describe("readable", () => {
  it("writes whatever date or time it gets in the fitting words", () => {
    expect(readable("2026-12-06T19:42:00Z")).toBe("6. desember 2026 kl. 20.42");
    expect(readable("2026-12-06")).toBe("6. desember 2026");
    expect(readable("2026-12")).toBe("desember 2026");
    expect(readable("Jan  5 20:40:04 2027 GMT")).toBe("5. januar 2027");
  });

  it("returns anything else unchanged", () => {
    expect(readable("ukjent")).toBe("ukjent");
    expect(readable("")).toBe("");
    expect(readable(null)).toBe("");
  });
});

describe("the parsers behind them", () => {
  it("reads ISO timestamps to the millisecond", () => {
    expect(parseIsoTimestamp("2026-12-06T19:42:00.250Z")?.toISOString()).toBe("2026-12-06T19:42:00.250Z");
    expect(parseIsoTimestamp("2026-12-06T20:42:00+01:00")?.toISOString()).toBe("2026-12-06T19:42:00.000Z");
    expect(parseIsoTimestamp("2026-12-06T19:42:00-02:30")?.toISOString()).toBe("2026-12-06T22:12:00.000Z");
    expect(parseIsoTimestamp("2026-12-06")).toBeNull();
    expect(parseIsoTimestamp("nonsense")).toBeNull();
  });

  it("reads OpenSSL's certificate dates as UTC", () => {
    expect(parseOpenSslTime("Jan  5 20:40:04 2027 GMT")?.toISOString()).toBe("2027-01-05T20:40:04.000Z");
    expect(parseOpenSslTime("Feb 30 00:00:00 2027 GMT")).toBeNull();
    expect(parseOpenSslTime("2027-01-05")).toBeNull();
  });

  it("gives today's date in Oslo", () => {
    expect(todayInOslo(new Date("2026-12-31T23:30:00Z"))).toBe("2027-01-01");
    expect(todayInOslo(new Date("2026-12-31T22:30:00Z"))).toBe("2026-12-31");
    expect(todayInOslo()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("amount", () => {
  it("groups thousands with a non-breaking space and uses a decimal comma", () => {
    expect(amount(1234.5)).toBe(`1${NBSP}234,50`);
    expect(amount(30.9)).toBe("30,90");
    expect(amount(0)).toBe("0,00");
    expect(amount(1234567.891)).toBe(`1${NBSP}234${NBSP}567,89`);
  });

  it("has no ordinary spaces, which could break a number over two lines", () => {
    expect(amount(9876543.21)).not.toMatch(/ /);
  });

  it("shows more decimals when asked, but at least two", () => {
    expect(amount(0.285, 3)).toBe("0,285");
    expect(amount(0.2, 3)).toBe("0,20");
    expect(amount(12, 0)).toBe("12");
  });

  it("writes a minus as a plain hyphen-minus", () => {
    expect(amount(-12.5)).toBe("-12,50");
  });

  it("shows nothing for what is not a number", () => {
    expect(amount(Number.NaN)).toBe("");
    expect(amount(Number.POSITIVE_INFINITY)).toBe("");
    expect(amount(null)).toBe("");
    expect(amount(undefined)).toBe("");
  });

  it("is read back by parseAmount", () => {
    for (const n of [0, 0.5, 30.9, 1234.5, 1234567.89, -42.1]) expect(parseAmount(amount(n))).toBe(n);
  });
});

describe("parseAmount", () => {
  it("takes a decimal comma or a decimal point", () => {
    expect(parseAmount("30,90")).toBe(30.9);
    expect(parseAmount("30.90")).toBe(30.9);
    expect(parseAmount("30")).toBe(30);
    expect(parseAmount("0,285")).toBe(0.285);
    expect(parseAmount(",5")).toBe(0.5);
    expect(parseAmount("5,")).toBe(5);
  });

  it("takes spaces, non-breaking spaces and grouped thousands", () => {
    expect(parseAmount(" 1 234,50 ")).toBe(1234.5);
    expect(parseAmount(`1${NBSP}234,50`)).toBe(1234.5);
    expect(parseAmount("1\u202f234,50")).toBe(1234.5);
    expect(parseAmount("1.234,50")).toBe(1234.5);
    expect(parseAmount("1,234.50")).toBe(1234.5);
    expect(parseAmount("1.234.567,00")).toBe(1234567);
  });

  it("takes kroner written the usual ways", () => {
    expect(parseAmount("kr 12,50")).toBe(12.5);
    expect(parseAmount("12,50 kr")).toBe(12.5);
    expect(parseAmount("12,-")).toBe(12);
    expect(parseAmount("12 NOK")).toBe(12);
  });

  it("keeps a sign", () => {
    expect(parseAmount("-3,5")).toBe(-3.5);
    expect(parseAmount("\u22123,5")).toBe(-3.5);
    expect(parseAmount("+3,5")).toBe(3.5);
  });

  it("refuses garbage with null", () => {
    for (const garbage of [
      "",
      "   ",
      "abc",
      "12abc",
      "1,2,3",
      "1.2.3",
      "1,23.4,5",
      "12.34,5.6",
      "1.23,50",
      "1e5",
      "Infinity",
      "NaN",
      "0x10",
      "--5",
      "-",
      ",",
      "12 kr 50",
    ]) {
      expect(parseAmount(garbage), JSON.stringify(garbage)).toBeNull();
    }
    expect(parseAmount(null)).toBeNull();
    expect(parseAmount(undefined)).toBeNull();
  });
});

describe("parseNorwegianDate and formatNorwegianDate", () => {
  it("reads dd.mm.åååå as yyyy-mm-dd", () => {
    expect(parseNorwegianDate("06.12.2026")).toBe("2026-12-06");
    expect(parseNorwegianDate("6.12.2026")).toBe("2026-12-06");
    expect(parseNorwegianDate(" 1.1.2027 ")).toBe("2027-01-01");
    expect(parseNorwegianDate("06122026")).toBe("2026-12-06");
    expect(parseNorwegianDate("06/12/2026")).toBe("2026-12-06");
    expect(parseNorwegianDate("2026-12-06")).toBe("2026-12-06");
  });

  it("knows leap years", () => {
    expect(parseNorwegianDate("29.02.2028")).toBe("2028-02-29");
    expect(parseNorwegianDate("29.02.2026")).toBeNull();
    expect(parseNorwegianDate("29.02.2100")).toBeNull();
    expect(parseNorwegianDate("29.02.2000")).toBe("2000-02-29");
  });

  it("refuses a day that does not exist", () => {
    for (const wrong of ["31.02.2026", "31.04.2026", "00.12.2026", "32.12.2026", "12.13.2026", "12.00.2026"]) {
      expect(parseNorwegianDate(wrong), wrong).toBeNull();
    }
  });

  it("refuses what is not a date", () => {
    for (const wrong of ["", "i morgen", "06.12.26", "06.12", "2026", "12/06/2026 10:00", "0612202", "2026-02-30", "06.12.0999"]) {
      expect(parseNorwegianDate(wrong), wrong).toBeNull();
    }
    expect(parseNorwegianDate(null)).toBeNull();
    expect(parseNorwegianDate(undefined)).toBeNull();
  });

  it("writes yyyy-mm-dd as dd.mm.åååå and back", () => {
    expect(formatNorwegianDate("2026-12-06")).toBe("06.12.2026");
    expect(formatNorwegianDate("2027-01-01")).toBe("01.01.2027");
    expect(parseNorwegianDate(formatNorwegianDate("2028-02-29"))).toBe("2028-02-29");
  });

  it("returns what it cannot format unchanged", () => {
    expect(formatNorwegianDate("06.12.2026")).toBe("06.12.2026");
    expect(formatNorwegianDate("2026-02-31")).toBe("2026-02-31");
    expect(formatNorwegianDate("")).toBe("");
    expect(formatNorwegianDate(null)).toBe("");
  });
});

describe("plural", () => {
  it("uses the singular for one only", () => {
    expect(plural(1, "side", "sider")).toBe("side");
    expect(plural(-1, "dag", "dager")).toBe("dag");
    expect(plural(0, "side", "sider")).toBe("sider");
    expect(plural(2, "side", "sider")).toBe("sider");
    expect(plural(1.5, "side", "sider")).toBe("sider");
    expect(plural(21, "side", "sider")).toBe("sider");
  });
});
