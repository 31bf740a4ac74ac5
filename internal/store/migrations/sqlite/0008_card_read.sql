-- The blind index of the number read off the ID card's front (OCR), so
-- that the roster match can require that it equals the typed number; the
-- number itself is never kept from the card.
ALTER TABLE enrolments ADD COLUMN card_doc_index TEXT NOT NULL DEFAULT '';
