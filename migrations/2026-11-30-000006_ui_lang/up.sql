-- /language: the language a person chose for the hub's own texts. NULL
-- until they choose (their Telegram app's language decides meanwhile).
ALTER TABLE users ADD COLUMN ui_lang text
    CHECK (ui_lang IN ('en', 'ru', 'uk'));
