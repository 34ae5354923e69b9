DROP TABLE reporting_periods;
