//! HTTP dates (RFC 7231 §7.1.1.1): the preferred IMF-fixdate form
//! (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms recipients must accept
//! (RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`).

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(s: &str) -> Option<u32> {
    let s = s.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == s).map(|i| i as u32 + 1)
}

use rd_model::civil::{civil_from_days, days_from_civil};

fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split(':');
    let h: u32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let sec: u32 = it.next()?.parse().ok()?;
    (it.next().is_none() && h < 24 && m < 60 && sec <= 60).then_some((h, m, sec))
}

fn to_unix(y: i64, mo: u32, d: u32, (h, mi, s): (u32, u32, u32)) -> Option<i64> {
    if !(1..=31).contains(&d) || !(1..=12).contains(&mo) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

/// Parses an HTTP `Date` value into seconds since the Unix epoch; `None` when it is in none of
/// the three forms.
pub fn parse_http_date(v: &str) -> Option<i64> {
    let v = v.trim();
    let parts: Vec<&str> = v.split_whitespace().collect();
    match parts.as_slice() {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        [wd, d, mo, y, t, "GMT"] if wd.ends_with(',') && y.len() == 4 => {
            to_unix(y.parse().ok()?, month(mo)?, d.parse().ok()?, hms(t)?)
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        [wd, dmy, t, "GMT"] if wd.ends_with(',') => {
            let mut it = dmy.split('-');
            let d: u32 = it.next()?.parse().ok()?;
            let mo = month(it.next()?)?;
            let yy: i64 = it.next()?.parse().ok()?;
            // RFC 7231: a two-digit year more than 50 years in the future is in the past century.
            let y = if yy < 70 { 2000 + yy } else { 1900 + yy };
            to_unix(y, mo, d, hms(t)?)
        }
        // asctime: Sun Nov  6 08:49:37 1994
        [_wd, mo, d, t, y] if y.len() == 4 => {
            to_unix(y.parse().ok()?, month(mo)?, d.parse().ok()?, hms(t)?)
        }
        _ => None,
    }
}

/// Formats seconds since the Unix epoch as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn format_http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let name = MONTHS[(m - 1) as usize];
    let month = format!("{}{}", name[..1].to_ascii_uppercase(), &name[1..]);
    format!(
        "{}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7231_examples_agree() {
        // The three forms of the same instant, from RFC 7231 §7.1.1.1; 784111777 is that
        // instant in Unix time (1994-11-06T08:49:37Z).
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(s), Some(784_111_777), "{s}");
        }
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Sat, 29 Feb 2020 23:59:59 GMT"),
            Some(1_583_020_799)
        );
    }

    #[test]
    fn formats_back() {
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_http_date(1_583_020_799),
            "Sat, 29 Feb 2020 23:59:59 GMT"
        );
    }

    #[test]
    fn rejects_other_text() {
        for s in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "2024-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_http_date(s), None, "{s}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_http_date(&s);
        }

        #[test]
        fn format_and_parse_round_trip(t in 0i64..8_000_000_000) {
            proptest::prop_assert_eq!(parse_http_date(&format_http_date(t)), Some(t));
        }
    }
}
