DROP FUNCTION append_messages(uuid[], int[], uuid[], text[], text[], text[], text[], text[], bigint[], bigint[], jsonb[], double precision);
