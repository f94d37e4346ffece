-- The change feed (issue 7): every statement that writes a table notifies channel `chaindock_changes` with
-- "<schema> <table>", delivered by PostgreSQL when (and only if) its transaction commits, once per
-- distinct payload per transaction (so an import of a million rows sends a handful of notifications).
-- Servers sharing the database LISTEN and drop what they derived from the data.
CREATE FUNCTION chaindock_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chaindock_changes', TG_TABLE_SCHEMA || ' ' || TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['enterprise', 'chain', 'chain_link', 'bom_edge', 'producer', 'supply',
                             'enterprise_merge', 'app_user', 'session', 'audit_log', 'demand', 'offer',
                             'allocation_request', 'delivery'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION chaindock_notify_change()', t || '_notify', t);
    END LOOP;
END
$$;
