-- Messages are appended by one function call per batch (`append_messages`).
--
-- Why a function rather than one statement: a statement reads every row as
-- of its start. When another replica's batch updated a room after that and
-- this one then locks it, PostgreSQL re-reads the room and re-checks the
-- statement's conditions for it, setting up a copy of the statement's plan
-- to do so. Two replicas appending to the same rooms turned that into about
-- a quarter of the database's time per message. In a function each
-- statement reads as of its own start: the rooms are locked first, by a
-- statement of their own (whose re-reads are cheap), and the append then
-- starts with the locks held and every locked room as last committed, so
-- nothing has to be read again.
--
-- Arguments: the batch's rooms, each once, in any order (the function locks
-- them in id order itself: two replicas locking in different orders would
-- deadlock, and PostgreSQL breaks a deadlock only after
-- `deadlock_timeout`); then per
-- message, index-aligned: its room's position in that list (from 1), the
-- sender, kind, text, client id, media id, caption, reply, the sender's own
-- Telegram message id, metadata; last, the seconds a room's
-- `last_active_at` may lag before an append moves it.
--
-- Answers one row per message stored before (its position `ord`, from 1,
-- with the seq and time stored then) and one per message stored now (its
-- sender and client id, new seq and time, and whether it was protected
-- because its Telegram sender has /protect on). A message with neither was
-- not stored: its room is not active, or the sender is not in it.
--
-- Seqs are gapless and unique: each room's new messages take the seqs
-- after its `last_seq`, read with the room locked. The primary key and the
-- idempotency constraint are the backstop: a racing duplicate fails the
-- call as a whole (the caller retries), never stores twice.
--
-- No two intermediate results are joined to each other: the planner
-- guesses a handful of rows for each and joins them by nested loops, and
-- at 200 messages a batch that quadratic work took as long as storing
-- them. The rooms become one row of arrays that each message indexes by
-- its room's position, and outcomes come back as a list the caller
-- matches up.
CREATE FUNCTION append_messages(
    p_rooms uuid[], p_room_idx int[], p_senders uuid[], p_kinds text[], p_bodies text[],
    p_client_msg_ids text[], p_media_file_ids text[], p_captions text[],
    p_reply_to_seqs bigint[], p_sender_platform_msg_ids bigint[], p_metadata jsonb[],
    p_activity_step_secs double precision)
RETURNS TABLE (ord bigint, sender_id uuid, client_msg_id text, seq bigint,
    created_at timestamptz, protect boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    -- By primary key alone: a condition on `ended_at` would let the
    -- planner scan the index of every active room instead. Locking an
    -- ended room is harmless; the append below skips it.
    PERFORM 1 FROM rooms r
    WHERE r.id = ANY (p_rooms)
    ORDER BY r.id
    FOR UPDATE;

    RETURN QUERY
    WITH input AS (
        SELECT t.*, e.seq AS existing_seq, e.created_at AS existing_at
        FROM unnest(p_room_idx, p_senders, p_kinds, p_bodies, p_client_msg_ids,
                p_media_file_ids, p_captions, p_reply_to_seqs, p_sender_platform_msg_ids,
                p_metadata)
            WITH ORDINALITY AS t (room_idx, sender_id, kind, body, client_msg_id,
                media_file_id, caption, reply_to_seq, sender_platform_msg_id, metadata, ord)
        -- LIMIT keeps this a lookup by the idempotency index per message.
        LEFT JOIN LATERAL (
            SELECT m.seq, m.created_at FROM messages m
            WHERE m.sender_id = t.sender_id AND m.client_msg_id = t.client_msg_id
            LIMIT 1
        ) e ON true
    ), locked AS MATERIALIZED (
        -- One row: per room, in list order, its last seq and its two
        -- people; -1 for a room that is not active. Materialized: inlined,
        -- it would be computed again for every message.
        SELECT array_agg(k.id ORDER BY k.idx) AS ids,
            array_agg(coalesce(r.last_seq, -1) ORDER BY k.idx) AS last_seqs,
            array_agg(coalesce(r.user_a, '00000000-0000-0000-0000-000000000000') ORDER BY k.idx) AS user_as,
            array_agg(coalesce(r.user_b, '00000000-0000-0000-0000-000000000000') ORDER BY k.idx) AS user_bs
        FROM unnest(p_rooms) WITH ORDINALITY AS k (id, idx)
        LEFT JOIN LATERAL (
            SELECT r.last_seq, r.user_a, r.user_b FROM rooms r
            WHERE r.id = k.id AND r.ended_at IS NULL
            LIMIT 1
        ) r ON true
    ), fresh AS (
        SELECT i.*, l.ids[i.room_idx] AS room_id,
            l.last_seqs[i.room_idx] + row_number() OVER (PARTITION BY i.room_idx ORDER BY i.ord) AS seq
        FROM input i CROSS JOIN locked l
        WHERE i.existing_seq IS NULL AND l.last_seqs[i.room_idx] >= 0
            AND i.sender_id IN (l.user_as[i.room_idx], l.user_bs[i.room_idx])
    ), bumped AS (
        -- last_active_at moves only once it lags by the activity step:
        -- left as it is, this is a HOT update that writes no index entry.
        UPDATE rooms r SET last_seq = c.last_seq,
            last_active_at = CASE
                WHEN r.last_active_at < now() - make_interval(secs => p_activity_step_secs)
                THEN now() ELSE r.last_active_at END
        -- Only rooms read as active, and locked since: no need to check
        -- `ended_at` again (which would steer the planner, as above).
        FROM (SELECT room_id, max(seq) AS last_seq FROM fresh GROUP BY room_id) c
        WHERE r.id = c.room_id
    ), protecting AS (
        SELECT u.id FROM users u
        WHERE u.id IN (SELECT sender_id FROM fresh WHERE metadata ? 'telegram')
            AND u.protect_content
    ), inserted AS (
        INSERT INTO messages (room_id, seq, sender_id, kind, text, client_msg_id,
            media_file_id, caption, reply_to_seq, sender_platform_msg_id, metadata)
        SELECT f.room_id, f.seq, f.sender_id, f.kind, f.body, f.client_msg_id,
            f.media_file_id, f.caption, f.reply_to_seq, f.sender_platform_msg_id,
            CASE WHEN f.metadata ? 'telegram' AND f.sender_id IN (SELECT id FROM protecting)
                THEN jsonb_set(f.metadata, '{telegram,protect}', 'true') ELSE f.metadata END
        FROM fresh f
        RETURNING messages.sender_id, messages.client_msg_id, messages.seq,
            messages.created_at,
            coalesce((messages.metadata #>> '{telegram,protect}')::boolean, false) AS protect
    )
    SELECT i.ord, NULL::uuid, NULL::text, i.existing_seq, i.existing_at, false
    FROM input i WHERE i.existing_seq IS NOT NULL
    UNION ALL
    SELECT NULL::bigint, n.sender_id, n.client_msg_id, n.seq, n.created_at, n.protect
    FROM inserted n;
END
$$;
