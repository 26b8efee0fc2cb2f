-- Where each audited action came from: the client's address (after trusted_proxies).
ALTER TABLE audit_log ADD COLUMN client TEXT;
