//! Diesel's view of the tables in `migrations/` (kept by hand: there is no
//! libpq here for `diesel print-schema`; the conformance suite runs every
//! query against the migrated schema, so a drift fails a test).

diesel::table! {
    users (id) {
        id -> Uuid,
        platform -> Text,
        platform_user_id -> Nullable<Text>,
        gender -> Nullable<Text>,
        age -> Nullable<SmallInt>,
        interests -> Array<Text>,
        languages -> Array<Text>,
        search_prefs -> Jsonb,
        default_media_spoiler -> Bool,
        settings -> Jsonb,
        reputation_up -> Integer,
        reputation_down -> Integer,
        complaints_received -> Integer,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        protect_content -> Bool,
        ui_lang -> Nullable<Text>,
    }
}

diesel::table! {
    rooms (id) {
        id -> Uuid,
        user_a -> Uuid,
        user_b -> Uuid,
        started_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
        ended_by -> Nullable<Uuid>,
        last_seq -> BigInt,
        last_active_at -> Timestamptz,
        content_purged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    room_members (room_id, user_id) {
        room_id -> Uuid,
        user_id -> Uuid,
        active -> Bool,
    }
}

diesel::table! {
    messages (room_id, seq) {
        room_id -> Uuid,
        seq -> BigInt,
        sender_id -> Uuid,
        kind -> Text,
        text -> Nullable<Text>,
        media_file_id -> Nullable<Text>,
        caption -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        reply_to_seq -> Nullable<BigInt>,
        sender_platform_msg_id -> Nullable<BigInt>,
        receiver_platform_msg_id -> Nullable<BigInt>,
        client_msg_id -> Text,
        delivered_at -> Nullable<Timestamptz>,
        edited_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        purged_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    complaints (id) {
        id -> Uuid,
        room_id -> Uuid,
        reporter_id -> Uuid,
        reported_id -> Uuid,
        reason -> Text,
        status -> Text,
        evidence -> Jsonb,
        created_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bans (id) {
        id -> Uuid,
        user_id -> Uuid,
        until -> Nullable<Timestamptz>,
        reason -> Text,
        banned_by -> Text,
        created_at -> Timestamptz,
        lifted_at -> Nullable<Timestamptz>,
        lifted_by -> Nullable<Text>,
        automatic -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        target_user -> Nullable<Uuid>,
        complaint_id -> Nullable<Uuid>,
        detail -> Text,
    }
}

diesel::joinable!(messages -> rooms (room_id));
diesel::joinable!(room_members -> rooms (room_id));
diesel::joinable!(complaints -> rooms (room_id));
diesel::joinable!(bans -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    rooms,
    room_members,
    messages,
    complaints,
    bans,
    audit_log
);

diesel::table! {
    processed_updates (key) {
        key -> Text,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    orphans (user_id) {
        user_id -> Uuid,
        platform -> Text,
        platform_user_id -> Text,
        marked_at -> Timestamptz,
    }
}
