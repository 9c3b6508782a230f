"""Full-text search of items, kept in step by the store

PostgreSQL: ``unaccent`` and a text search configuration ``channel_<language>`` per
stemmer PostgreSQL ships (accents folded before stemming), a generated weighted
``search_vector`` (title A, summary B, body C) with a GIN index. SQLite: an FTS5
index over a view of the items (the body's paragraphs as text), kept by triggers.
Both: ``items.search_config`` (the channel's language, as a configuration name) and
``item_sections`` (one row per level of an item's section path, kept by triggers) so
that category listings walk an index.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# ISO 639-1 code -> PostgreSQL stemmer, frozen as of this revision.
STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
SECTION_LENGTH = 200

PG_CONFIGS = """
DO $$
DECLARE name text; shipped boolean;
BEGIN
  FOREACH name IN ARRAY ARRAY[{names}] LOOP
    shipped := EXISTS (SELECT 1 FROM pg_ts_config
                       WHERE cfgname = name AND cfgnamespace = 'pg_catalog'::regnamespace);
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'channel_' || name
                   AND cfgnamespace = current_schema()::regnamespace) THEN
      EXECUTE format('CREATE TEXT SEARCH CONFIGURATION channel_%s (COPY = pg_catalog.%s)',
                     name, CASE WHEN shipped THEN name ELSE 'simple' END);
    END IF;
    EXECUTE format('ALTER TEXT SEARCH CONFIGURATION channel_%s ALTER MAPPING FOR word, hword, '
                   'hword_part WITH unaccent, %s', name,
                   CASE WHEN shipped AND name <> 'simple' THEN name || '_stem' ELSE 'simple' END);
  END LOOP;
END $$
"""

PG_SECTIONS = f"""INSERT INTO item_sections (item_id, category, channel_id, published)
  SELECT DISTINCT r.id, left(part, {SECTION_LENGTH}), r.channel_id, r.published
  FROM {{rows}} AS r, json_array_elements_text(CASE WHEN json_typeof(r.categories) = 'array'
                                               THEN r.categories ELSE '[]'::json END) AS parts(part)
  ON CONFLICT DO NOTHING"""

PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION channel_search_config(language text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT CASE lower(split_part(replace(coalesce(language, ''), '_', '-'), '-', 1))
           {cases} ELSE 'simple' END
       $$""",
    # An item is indexed in its channel's language however it was written (the store
    # names it; this catches rows written without it).
    """CREATE OR REPLACE FUNCTION channel_item_search_config() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         NEW.search_config := channel_search_config(
           (SELECT language FROM channels WHERE id = NEW.channel_id));
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER items_search_config BEFORE INSERT ON items FOR EACH ROW
       WHEN (NEW.search_config = 'simple') EXECUTE FUNCTION channel_item_search_config()""",
    """CREATE OR REPLACE FUNCTION channel_body_text(body json) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT coalesce(string_agg(part, ' '), '') FROM json_array_elements_text(
           CASE WHEN json_typeof(body) = 'array' THEN body ELSE '[]'::json END) AS parts(part)
       $$""",
    # Declared immutable for the generated column: the configurations it names are
    # made here and never changed in place (a new stemmer is a new configuration).
    # Named with their schema rather than by a search_path set on the function, which
    # would cost as much as the stemming.
    """CREATE OR REPLACE FUNCTION channel_search_vector(config text, title text, summary text, body json)
       RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT setweight(to_tsvector(('{schema}.channel_' || config)::regconfig, coalesce(title, '')), 'A')
             || setweight(to_tsvector(('{schema}.channel_' || config)::regconfig, coalesce(summary, '')), 'B')
             || setweight(to_tsvector(('{schema}.channel_' || config)::regconfig, coalesce(body, '[]')), 'C')
       $$""",
    # Sections: once per inserting statement, and per updated row whose path or date changed.
    f"""CREATE OR REPLACE FUNCTION channel_new_item_sections() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         {PG_SECTIONS.format(rows="new_items")};
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER items_sections_insert AFTER INSERT ON items REFERENCING NEW TABLE AS new_items
       FOR EACH STATEMENT EXECUTE FUNCTION channel_new_item_sections()""",
    f"""CREATE OR REPLACE FUNCTION channel_item_sections() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         DELETE FROM item_sections WHERE item_id = OLD.id;
         {PG_SECTIONS.format(rows="(SELECT NEW.*)")};
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER items_sections_update AFTER UPDATE OF categories, published ON items
       FOR EACH ROW WHEN (OLD.categories::text IS DISTINCT FROM NEW.categories::text
                          OR OLD.published IS DISTINCT FROM NEW.published)
       EXECUTE FUNCTION channel_item_sections()""",
]

SQLITE_BODY = "(SELECT group_concat(value, ' ') FROM json_each({row}.body))"
SQLITE_FTS_ROW = "{row}.rowid, {row}.title, {row}.summary, " + SQLITE_BODY
SQLITE_SECTIONS = (f"INSERT OR IGNORE INTO item_sections (item_id, category, channel_id, published) "
                   f"SELECT NEW.id, substr(value, 1, {SECTION_LENGTH}), NEW.channel_id, NEW.published "
                   f"FROM json_each(NEW.categories) WHERE json_type(NEW.categories) = 'array';")
SQLITE = [
    (f"CREATE VIEW items_search AS SELECT rowid AS rid, title, summary, "
     f"{SQLITE_BODY.format(row='items')} AS body FROM items"),
    ("CREATE VIRTUAL TABLE items_fts USING fts5(title, summary, body, content='items_search', "
     "content_rowid='rid', tokenize='porter unicode61 remove_diacritics 2')"),
    # FTS5's own 'rebuild' refuses a view that reads the body with json_each: fill it here.
    ("INSERT INTO items_fts (rowid, title, summary, body) SELECT rid, title, summary, body "
     "FROM items_search"),
    f"""CREATE TRIGGER items_search_insert AFTER INSERT ON items BEGIN
      INSERT INTO items_fts (rowid, title, summary, body) VALUES ({SQLITE_FTS_ROW.format(row='NEW')});
      {SQLITE_SECTIONS}
    END""",
    f"""CREATE TRIGGER items_search_delete AFTER DELETE ON items BEGIN
      INSERT INTO items_fts (items_fts, rowid, title, summary, body)
        VALUES ('delete', {SQLITE_FTS_ROW.format(row='OLD')});
    END""",
    f"""CREATE TRIGGER items_search_update AFTER UPDATE OF title, summary, body ON items
      WHEN OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary OR OLD.body IS NOT NEW.body BEGIN
      INSERT INTO items_fts (items_fts, rowid, title, summary, body)
        VALUES ('delete', {SQLITE_FTS_ROW.format(row='OLD')});
      INSERT INTO items_fts (rowid, title, summary, body) VALUES ({SQLITE_FTS_ROW.format(row='NEW')});
    END""",
    f"""CREATE TRIGGER items_sections_update AFTER UPDATE OF categories, published ON items
      WHEN OLD.categories IS NOT NEW.categories OR OLD.published IS NOT NEW.published BEGIN
      DELETE FROM item_sections WHERE item_id = OLD.id;
      {SQLITE_SECTIONS}
    END""",
]


def upgrade() -> None:
    op.add_column("items", sa.Column("search_config", sa.String(length=32), nullable=False,
                                     server_default="simple"))
    op.create_table(
        "item_sections",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=SECTION_LENGTH), nullable=False),
        sa.Column("channel_id", sa.String(length=50), nullable=False),
        sa.Column("published", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "category"),
    )
    op.create_index("ix_item_section_listing", "item_sections",
                    ["channel_id", "category", "published", "item_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        for statement in SQLITE:
            op.execute(statement)
    _fill_sections()


def _fill_sections() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_SECTIONS.format(rows="items"))
    else:
        op.execute(f"INSERT OR IGNORE INTO item_sections (item_id, category, channel_id, published) "
                   f"SELECT items.id, substr(value, 1, {SECTION_LENGTH}), items.channel_id, "
                   f"items.published FROM items, json_each(items.categories) "
                   f"WHERE json_type(items.categories) = 'array'")


def _postgresql_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    names = ", ".join(f"'{name}'" for name in ["simple", *sorted(set(STEMMERS.values()))])
    op.execute(PG_CONFIGS.format(names=names))
    cases = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in STEMMERS.items())
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar()
    for statement in PG_FUNCTIONS:
        op.execute(statement.replace("{cases}", cases).replace("{schema}", f'"{schema}"'))
    op.execute("UPDATE items SET search_config = channel_search_config("
               "(SELECT language FROM channels WHERE channels.id = items.channel_id))")
    # Kept in the row (STORAGE MAIN: the vector hardly compresses), so that checking
    # an item against a query reads no TOAST: several times faster when a search
    # walks the newest items.
    op.execute("ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
               "(channel_search_vector(search_config, title, summary, body)) STORED, "
               "ALTER COLUMN search_vector SET STORAGE MAIN")
    op.execute("CREATE INDEX ix_item_search ON items USING gin (search_vector)")
    # Finer statistics, so that a word absent from the catalogue is estimated as
    # rare and looked up in the GIN index rather than by walking every item.
    op.execute("ALTER TABLE items ALTER COLUMN search_vector SET STATISTICS 1000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER items_sections_insert ON items")
        op.execute("DROP TRIGGER items_sections_update ON items")
        op.execute("DROP TRIGGER items_search_config ON items")
        op.execute("DROP INDEX ix_item_search")
        op.execute("ALTER TABLE items DROP COLUMN search_vector")
        for function in ("channel_item_sections()", "channel_new_item_sections()",
                         "channel_item_search_config()",
                         "channel_search_config(text)", "channel_search_vector(text, text, text, json)",
                         "channel_body_text(json)"):
            op.execute(f"DROP FUNCTION {function}")
        names = ["simple", *sorted(set(STEMMERS.values()))]
        for name in names:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION channel_{name}")
    else:
        for trigger in ("items_search_insert", "items_search_delete", "items_search_update",
                        "items_sections_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE items_fts")
        op.execute("DROP VIEW items_search")
    op.drop_index("ix_item_section_listing", table_name="item_sections")
    op.drop_table("item_sections")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("search_config")
