-- Moves publications.document (the whole published plan, 11 KB on average) to the end of the
-- row. SQLite stores a row's columns in order and spills what does not fit in the page into a
-- chain of overflow pages: with the document before search_text and tags, every search of the
-- library walked each candidate's whole document chain to reach the columns it filters on.
-- Last in the row, the document is read only by the queries that select it.
-- (ADD COLUMN needs a default for NOT NULL; every insert gives the document.)
ALTER TABLE publications ADD COLUMN document_last TEXT NOT NULL DEFAULT '';
UPDATE publications SET document_last = document;
ALTER TABLE publications DROP COLUMN document;
ALTER TABLE publications RENAME COLUMN document_last TO document;
