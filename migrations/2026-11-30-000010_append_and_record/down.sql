DROP FUNCTION append_and_record(uuid[], int[], uuid[], text[], text[], text[], text[], text[], bigint[], bigint[], jsonb[], double precision, uuid[], bigint[], bigint[]);
