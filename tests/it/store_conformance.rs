//! One conformance suite for the store's ports, grouped by port. Every case
//! (in `tests/conformance/`) is written once and run twice by
//! `conformance!`: against `MemoryStore` (module `memory`) and against
//! `PgStore` on a fresh Postgres database (module `postgres`), so the two
//! adapters cannot drift apart. Cases of one port may use other ports to
//! set up (a complaint needs a room).

use crate::conformance;

use conformance::{
    autoban::*, limits::*, matching::*, messages::*, moderation::*, privacy::*, privacy_choices::*,
    rooms::*, telegram::*, telegram_settings::*,
};

macro_rules! conformance {
    ($($port:ident { $($name:ident),* $(,)? })*) => {
        $(
            mod $port {
                mod memory {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $name() {
                            crate::store_conformance::$name(chathub::store::Stores::in_memory()).await;
                        }
                    )*
                }
                mod postgres {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                        async fn $name() {
                            let db = crate::common::pg::TestDb::create().await;
                            crate::store_conformance::$name(chathub::store::Stores::new(db.store().await)).await;
                        }
                    )*
                }
            }
        )*
    };
}

conformance! {
    room_log {
        users_are_created_once_per_platform_identity,
        a_second_active_room_is_refused,
        concurrent_room_creation_keeps_one_room_per_person,
        a_room_ends_exactly_once,
        active_rooms_are_counted_until_they_end,
        messages_get_seqs_one_to_n_and_read_back_in_order,
        a_retried_message_is_stored_once,
        concurrent_appends_get_a_gapless_unique_sequence,
        appends_are_refused_for_ended_rooms_and_outsiders,
    }
    moderation {
        complaints_keep_the_last_messages_as_evidence,
        bans_hold_until_they_end,
        distinct_reporters_ban_automatically_and_escalate,
        dismissed_reporters_weigh_less,
        concurrent_reports_ban_once,
        the_complaints_queue_pages_with_a_cursor,
    }
    oversight {
        moderator_actions_are_audited_newest_first,
    }
    privacy {
        retention_purges_old_content_but_not_under_open_complaints,
        export_holds_everything_about_one_person_and_nothing_of_the_partner,
        delete_erases_the_person_and_keeps_the_partners_rooms_whole,
        a_deleted_person_gets_no_room_and_no_ban,
        export_holds_preferences_blocks_ratings_and_settings_and_is_audited,
        delete_removes_the_blocks_ratings_and_settings_the_person_made,
    }
    matching {
        profiles_and_preferences_are_kept_and_changed_field_by_field,
        blocks_hold_both_ways_and_cooldowns_pass,
        ratings_count_once_per_rater_and_room,
    }
    telegram_log {
        both_copies_are_found_from_either_chat,
        processed_updates_are_remembered,
        each_orphan_is_claimed_once,
        copies_recorded_together_are_each_kept,
    }
    telegram_settings {
        spoiler_defaults_are_remembered,
        protection_applies_to_what_the_person_sends_next,
        a_chosen_language_is_kept_per_person,
        an_unknown_persons_spoiler_default_is_refused,
    }
    limits {
        idle_rooms_end_once_and_a_message_keeps_a_room_open,
    }
}
