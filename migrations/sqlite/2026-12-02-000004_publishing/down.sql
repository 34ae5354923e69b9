DROP TABLE template_adoptions;
ALTER TABLE templates DROP COLUMN adopted_from_id;
ALTER TABLE templates DROP COLUMN shared_content;
ALTER TABLE templates DROP COLUMN shared_at;
DROP TABLE learning_items;
DROP TABLE publications;
DROP TABLE withheld_terms;
