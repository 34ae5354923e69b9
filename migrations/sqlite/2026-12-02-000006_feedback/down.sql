DROP TABLE feedback_responses;
DROP TABLE feedback_items;
