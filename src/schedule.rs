//! When a scheduled snapshot is due: the seed tutorial's `dumpFun(name, 'HH:MM', every)`, shared by
//! `heapscope demo-server --dump-at` and `heapscope capture --at`.

use std::time::Duration;

/// `--dump-at` / `--at`: a local time of day, `HH:MM` (a usage error otherwise).
pub fn parse_time_of_day(s: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{s:?} is not a time of day (HH:MM)"))
}

/// How long until the next `t` (today, or tomorrow if past), and when that is.
pub fn until_next(
    t: chrono::NaiveTime,
    now: chrono::DateTime<chrono::Local>,
) -> anyhow::Result<(Duration, chrono::DateTime<chrono::Local>)> {
    let hh_mm = t.format("%H:%M");
    let mut when = now.date_naive().and_time(t);
    if when <= now.naive_local() {
        when += chrono::Duration::days(1);
    }
    let local = when
        .and_local_timezone(chrono::Local)
        .earliest()
        .ok_or_else(|| anyhow::anyhow!("{hh_mm} does not exist today in this time zone"))?;
    let wait = (local - now).to_std().unwrap_or_default();
    Ok((wait, local))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn next_dump_time_is_today_or_tomorrow() {
        let now = chrono::Local.with_ymd_and_hms(2026, 11, 25, 10, 50, 0).single().unwrap();
        let (wait, when) = until_next(parse_time_of_day("10:53").unwrap(), now).unwrap();
        assert_eq!(wait.as_secs(), 180);
        assert_eq!(when.format("%d %H:%M").to_string(), "25 10:53");
        let (wait, when) = until_next(parse_time_of_day("10:00").unwrap(), now).unwrap();
        assert_eq!(when.format("%d %H:%M").to_string(), "26 10:00");
        assert_eq!(wait.as_secs(), 23 * 3600 + 10 * 60);
        assert!(parse_time_of_day("25:99").is_err());
    }
}
