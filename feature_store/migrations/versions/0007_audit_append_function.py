"""PostgreSQL: append an audit row in one round trip (lock, read the head, hash, insert) so the chain's lock
is held for one statement and the commit instead of four round trips

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The digest is feature_store.audit.row_digest's: sha256 of the previous hash, a newline and the JSON array
# [id, time, actor, action, case, before, after]. The caller sends that array's text after the id (p_tail:
# everything from the first comma), since only the database knows the id once it holds the lock. Each
# statement of a VOLATILE plpgsql function takes a new snapshot, so the head read after the lock is the
# head of the committed chain (READ COMMITTED, the store's isolation level).
APPEND = """
CREATE OR REPLACE FUNCTION ipwatch_audit_append(
    p_at timestamptz, p_actor text, p_action text, p_case_id integer, p_before json, p_after json, p_tail text,
    p_lock bigint) RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    head_id integer;
    head_hash text;
    digest text;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT id, row_hash INTO head_id, head_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    head_id := coalesce(head_id, 0);
    head_hash := coalesce(head_hash, repeat('0', 64));
    digest := encode(sha256(convert_to(head_hash || E'\\n[' || (head_id + 1) || ',' || p_tail, 'UTF8')), 'hex');
    INSERT INTO audit_log (id, at, actor, action, case_id, before, after, prev_hash, row_hash)
    VALUES (head_id + 1, p_at, p_actor, p_action, p_case_id, p_before, p_after, head_hash, digest);
    RETURN head_id + 1;
END
$fn$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ipwatch_audit_append"
                   "(timestamptz, text, text, integer, json, json, text, bigint)")
