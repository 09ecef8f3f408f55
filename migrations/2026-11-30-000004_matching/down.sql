DROP TABLE ratings;
DROP TABLE blocks;
ALTER TABLE users ADD COLUMN language text CHECK (char_length(language) BETWEEN 2 AND 8);
UPDATE users SET language = languages[1] WHERE cardinality(languages) > 0;
ALTER TABLE users DROP COLUMN languages;
ALTER TABLE users DROP CONSTRAINT users_interests_at_most_5;
ALTER TABLE users DROP CONSTRAINT users_age_check;
ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age BETWEEN 13 AND 120);
