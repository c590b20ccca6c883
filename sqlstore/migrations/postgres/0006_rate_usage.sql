-- Operations granted to a company per bucket of its rate-limit window,
-- shared by every instance (sqlstore.RateLimiter).
CREATE TABLE rate_usage (
	company TEXT COLLATE "C" NOT NULL,
	bucket  BIGINT NOT NULL,
	used    INTEGER NOT NULL,
	PRIMARY KEY (company, bucket)
);
