-- Telegram delivery records ride in the append's call (`append_and_record`).
--
-- Every copy a Telegram person's sender puts into a chat is recorded (its
-- id there, and that it was delivered) before their next copy goes out.
-- Those records had a statement and a commit of their own, batched apart
-- from the appends: on the Telegram path over a third of the database's
-- calls and commits. A replica's message writer now takes both, and one
-- call records the batch's deliveries and stores its messages in one
-- commit.
--
-- The records run first, in key order: every writer then takes message
-- rows before rooms, each in key order, so two batches cannot wait on each
-- other in a circle. (Replicas of the previous release record in a
-- transaction of its own, which takes no room lock.)
--
-- Arguments: those of `append_messages`, then the deliveries, index-aligned:
-- each message's room and seq, and its copy's id in the receiver's chat.
-- Answers what `append_messages` answers, with `delivered_room` NULL, and
-- one row per message whose delivery was recorded, with only
-- `delivered_room` and `seq` set. A listed delivery with no row did not
-- find its message.
CREATE FUNCTION append_and_record(
    p_rooms uuid[], p_room_idx int[], p_senders uuid[], p_kinds text[], p_bodies text[],
    p_client_msg_ids text[], p_media_file_ids text[], p_captions text[],
    p_reply_to_seqs bigint[], p_sender_platform_msg_ids bigint[], p_metadata jsonb[],
    p_activity_step_secs double precision,
    p_delivered_rooms uuid[], p_delivered_seqs bigint[], p_copies bigint[])
RETURNS TABLE (ord bigint, sender_id uuid, client_msg_id text, seq bigint,
    created_at timestamptz, protect boolean, delivered_room uuid)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    UPDATE messages m SET receiver_platform_msg_id = d.copy, delivered_at = now()
    FROM unnest(p_delivered_rooms, p_delivered_seqs, p_copies) AS d (room_id, seq, copy)
    WHERE m.room_id = d.room_id AND m.seq = d.seq
    RETURNING NULL::bigint, NULL::uuid, NULL::text, m.seq, NULL::timestamptz, false, m.room_id;

    IF cardinality(p_room_idx) > 0 THEN
        RETURN QUERY
        SELECT a.ord, a.sender_id, a.client_msg_id, a.seq, a.created_at, a.protect, NULL::uuid
        FROM append_messages(p_rooms, p_room_idx, p_senders, p_kinds, p_bodies,
            p_client_msg_ids, p_media_file_ids, p_captions, p_reply_to_seqs,
            p_sender_platform_msg_ids, p_metadata, p_activity_step_secs) a;
    END IF;
END
$$;
