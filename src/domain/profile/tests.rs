//! Unit tests of profiles and preferences: refusals with their codes, the
//! compatibility rule both ways, relaxation order.

use super::*;
use crate::domain::{Relaxed, SearchPrefs, accepts};

fn person(gender: Option<Gender>, age: Option<i64>, interests: &[&str]) -> Profile {
    Profile {
        gender,
        age: age.map(|a| Age::parse(a).unwrap()),
        interests: Interest::parse_list(interests).unwrap(),
        langs: vec![],
    }
}

#[test]
fn bad_values_are_refused_with_their_codes() {
    assert_eq!(Age::parse(7).unwrap_err().code(), "bad_age");
    assert_eq!(Age::parse(100).unwrap_err().code(), "bad_age");
    assert!(Age::parse(16).is_ok() && Age::parse(99).is_ok());
    assert_eq!(Gender::parse("robot").unwrap_err().code(), "bad_gender");
    assert_eq!(
        Interest::parse_list(&["music", "knitting"])
            .unwrap_err()
            .code(),
        "bad_interest"
    );
    let twenty = vec!["music"; 20];
    assert_eq!(
        Interest::parse_list(&twenty).unwrap_err().code(),
        "too_many_interests"
    );
    assert_eq!(Lang::parse("<b>").unwrap_err().code(), "bad_lang");
    let range = SearchPrefs {
        age_min: Some(Age::parse(40).unwrap()),
        age_max: Some(Age::parse(20).unwrap()),
        ..SearchPrefs::default()
    };
    assert_eq!(range.check().unwrap_err().code(), "bad_age_range");
}

#[test]
fn preferences_are_checked_against_the_other_side() {
    let f30 = person(Some(Gender::Female), Some(30), &["music"]);
    let m20 = person(Some(Gender::Male), Some(20), &["games"]);
    let any = SearchPrefs::default();
    let women = SearchPrefs {
        gender: vec![Gender::Female],
        ..any.clone()
    };
    assert!(accepts(&m20, &women, &f30, &any));
    assert!(!accepts(&f30, &women, &m20, &any));
    let older = SearchPrefs {
        age_min: Some(Age::parse(25).unwrap()),
        ..any.clone()
    };
    assert!(accepts(&m20, &older, &f30, &any));
    assert!(!accepts(&f30, &older, &m20, &any));
    // An unset age or gender does not meet a preference for one.
    assert!(!accepts(&m20, &older, &Profile::default(), &any));
    let shared = SearchPrefs {
        shared_interest: true,
        ..any.clone()
    };
    assert!(!accepts(&m20, &shared, &f30, &any));
    let en = SearchPrefs {
        lang: Some(Lang::parse("EN").unwrap()),
        ..any.clone()
    };
    let de = SearchPrefs {
        lang: Some(Lang::parse("de").unwrap()),
        ..any.clone()
    };
    assert!(accepts(&m20, &en, &f30, &any));
    assert!(!accepts(&m20, &en, &f30, &de));
    let german = Profile {
        langs: vec![Lang::parse("de").unwrap()],
        ..f30.clone()
    };
    assert!(!accepts(&m20, &en, &german, &any));
}

#[test]
fn relaxation_drops_set_preferences_in_order() {
    let prefs = SearchPrefs {
        gender: vec![Gender::Other],
        age_min: None,
        age_max: Some(Age::parse(30).unwrap()),
        lang: Some(Lang::parse("en").unwrap()),
        shared_interest: false,
    };
    let (p, dropped, more) = prefs.relaxed(1);
    assert_eq!(dropped, vec![Relaxed::Age]);
    assert!(p.age_max.is_none() && !p.gender.is_empty() && more);
    let (p, dropped, more) = prefs.relaxed(3);
    assert_eq!(dropped, vec![Relaxed::Age, Relaxed::Gender, Relaxed::Lang]);
    assert_eq!(p, SearchPrefs::default());
    assert!(!more);
    assert_eq!(SearchPrefs::default().relaxed(2).1, vec![]);
}
