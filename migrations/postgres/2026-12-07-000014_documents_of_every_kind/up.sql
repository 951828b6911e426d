-- Documents of every kind the handbook exchanges (入院連絡 and 診療情報提供書(退院時) now; the
-- conference and the 退院・退所情報記録書 next), where the first migration allowed two. Which kinds
-- exist is the code's declaration (src/documents/exchange.rs); the check keeps out a misspelt one.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('admission_info', 'admission_notice', 'discharge_notice', 'discharge_conference', 'discharge_referral', 'discharge_record'));
