"""Search vectors made only when their text changed, from a body's first 4,000 characters

PostgreSQL only. ``items.search_vector`` was a generated column: made on every insert,
and again on every update naming a text column, even when the text was the same
(the store's update of a changed item names them all: a new video URL or date made
the vector again), and from the whole body, however long. It is now a plain column
kept by triggers (the column, its GIN index, its storage and statistics stay):

- made on insert, and on update only when the title, the summary, the body or the
  configuration changed, or when the vector was set to NULL (``channel search
  rebuild`` does so);
- from what it was made of before: the title (weight A), the summary (B) and the body
  (C), in the item's text search configuration (``unaccent`` before stemming), the
  body still read as its JSON list of paragraphs (so that a phrase does not match
  across two of them); but only from the body's first ``SEARCH_BODY_CHARS``
  characters (its paragraphs joined by a space), cut at a word boundary. A search box
  needs a story's headline, summary and opening paragraphs: 4,000 characters hold
  the whole of the median English article of the Readability corpus (3,672), and
  the first 600 words or so of a long one, whose full text would cost time in
  proportion to its length (a transcript, a live blog) for words a search seldom needs.

Vectors stored before this revision are kept as they were (they differ only for a
body longer than the limit); ``channel search rebuild`` makes them again.
SQLite: nothing changes (its FTS5 index is cheap to keep and indexes the whole body).

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCH_BODY_CHARS = 4000  # frozen as of this revision

FUNCTIONS = [
    # The body's paragraphs as far as the first SEARCH_BODY_CHARS characters of them
    # joined by a space go (``upto``: where a paragraph ends in that text, ``start``:
    # where it begins), the word cut there dropped; still a JSON list. Called only for
    # a body whose JSON is longer than that (shorter, nothing can be cut).
    f"""CREATE OR REPLACE FUNCTION channel_search_body(body json) RETURNS json
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT coalesce(json_agg(CASE WHEN upto <= {SEARCH_BODY_CHARS} THEN part
                                  ELSE regexp_replace(left(part, ({SEARCH_BODY_CHARS + 1} - start)::int),
                                                      '[^ ]*$', '') END ORDER BY n), '[]'::json)
         FROM (SELECT part, n, upto, upto - length(part) AS start
               FROM (SELECT part, n, sum(length(part) + 1) OVER (ORDER BY n) - 1 AS upto
                     FROM json_array_elements_text(
                            CASE WHEN json_typeof(body) = 'array' THEN body ELSE '[]'::json END)
                          WITH ORDINALITY AS parts(part, n)) AS running) AS placed
         WHERE start < {SEARCH_BODY_CHARS}
       $$""",
    # The configuration is named once per row, not once per part.
    f"""CREATE OR REPLACE FUNCTION channel_item_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE config regconfig := ('{{schema}}.channel_' || NEW.search_config)::regconfig;
       BEGIN
         NEW.search_vector := setweight(to_tsvector(config, coalesce(NEW.title, '')), 'A')
           || setweight(to_tsvector(config, coalesce(NEW.summary, '')), 'B')
           || setweight(to_tsvector(config, CASE WHEN length(NEW.body::text) > {SEARCH_BODY_CHARS}
                                                 THEN channel_search_body(NEW.body)
                                                 ELSE coalesce(NEW.body, '[]') END), 'C');
         RETURN NEW;
       END $$""",
    # After items_search_config (triggers of a kind fire in the order of their names),
    # so that the vector is made in the configuration the row ends up with.
    """CREATE TRIGGER items_search_vector_insert BEFORE INSERT ON items
       FOR EACH ROW EXECUTE FUNCTION channel_item_search_vector()""",
    # The bodies compared as jsonb: the same list written by another JSON encoder (the
    # store's insert and its update use two) is the same text to search.
    """CREATE TRIGGER items_search_vector_update
       BEFORE UPDATE OF title, summary, body, search_config, search_vector ON items FOR EACH ROW
       WHEN (NEW.search_vector IS NULL OR NEW.search_vector IS DISTINCT FROM OLD.search_vector
             OR NEW.search_config IS DISTINCT FROM OLD.search_config
             OR NEW.title IS DISTINCT FROM OLD.title OR NEW.summary IS DISTINCT FROM OLD.summary
             OR NEW.body::jsonb IS DISTINCT FROM OLD.body::jsonb)
       EXECUTE FUNCTION channel_item_search_vector()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    op.execute("ALTER TABLE items ALTER COLUMN search_vector DROP EXPRESSION")
    for statement in FUNCTIONS:
        op.execute(statement.replace("{schema}", f'"{schema}"'))


def downgrade() -> None:
    """The generated column again, as revision 0005 made it (every vector made anew)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER items_search_vector_update ON items")
    op.execute("DROP TRIGGER items_search_vector_insert ON items")
    op.execute("DROP FUNCTION channel_item_search_vector()")
    op.execute("DROP FUNCTION channel_search_body(json)")
    op.execute("DROP INDEX ix_item_search")
    op.execute("ALTER TABLE items DROP COLUMN search_vector")
    op.execute("ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
               "(channel_search_vector(search_config, title, summary, body)) STORED, "
               "ALTER COLUMN search_vector SET STORAGE MAIN")
    op.execute("CREATE INDEX ix_item_search ON items USING gin (search_vector)")
    op.execute("ALTER TABLE items ALTER COLUMN search_vector SET STATISTICS 1000")
