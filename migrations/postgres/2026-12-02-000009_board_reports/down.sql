DROP INDEX learning_items_by_created;
DROP INDEX feedback_items_by_received;
DROP INDEX publications_as_of;
DROP TABLE report_share_links;
DROP TABLE board_reports;
