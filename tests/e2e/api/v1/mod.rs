mod tour;
