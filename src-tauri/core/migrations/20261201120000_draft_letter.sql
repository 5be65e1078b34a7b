-- What a draft needs to become a letter beyond title and body: the template it uses, the
-- recipient's postal address and merge values, an imported recipient list, attachments and
-- how they travel — one JSON document (`letters::draft::DraftLetter`), inside the encrypted file.
ALTER TABLE drafts ADD COLUMN letter TEXT NOT NULL DEFAULT '{}';
