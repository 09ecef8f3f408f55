# Слова chathub для людей, українською. Ті самі ідентифікатори й ті самі
# { $змінні }, що й у en/chathub.ftl (перевіряє i18n::tests).

## Telegram: сповіщення

welcome =
    Ласкаво просимо до chathub: анонімні чати віч-на-віч із випадковими людьми.

    Як це працює: натисніть «Шукати» (або надішліть /search), і вас з'єднають із незнайомцем. Усе, що ви надсилаєте (текст, фото, відео, стікери, голосові, ...), передається без вашого імені й акаунта. /next знайде когось нового, /stop завершить чат.

    /help покаже всі команди.
unknown-command = Я не знаю такої команди. /help покаже, що я розумію.
spoiler-on = Спойлери увімкнено: ваші фото, відео та GIF надходять співрозмовнику прихованими, доки він на них не натисне.
spoiler-off = Спойлери вимкнено: ваші медіа надсилаються відкритими.
protect-on = Захист увімкнено: те, що ви надсилаєте відтепер, співрозмовник не зможе переслати чи зберегти. Повторна команда /protect його вимкне.
protect-off = Захист вимкнено: співрозмовник може пересилати й зберігати те, що ви надсилаєте.
edit-not-relayed = Це виправлення не передано: повідомлення не з вашого поточного чату.
undeliverable = Одне повідомлення співрозмовника не вдалося доставити.
partner-delayed = Співрозмовник побачить ваші повідомлення із затримкою: Telegram дозволяє ботові надсилати в чат лише близько одного повідомлення на секунду. Нічого не загубиться, і все прийде по черзі.
not-delivered-to-partner = Telegram не пропустив одне з ваших повідомлень: співрозмовник його не отримав.
unsupported = Вибачте, { $what } не можна передати анонімно: співрозмовник цього не отримав.
unsupported-polls = опитування
unsupported-games = ігри
unsupported-stories = історії
unsupported-paid-media = платні медіа
unsupported-checklists = списки завдань
unsupported-edits-of-media = виправлення медіа
unsupported-this-kind-of-message = такі повідомлення
searching = Шукаю співрозмовника... (/stop, щоб скасувати)
matched = Співрозмовника знайдено! Привітайтеся. Усе, що ви надсилаєте, передається анонімно.
left-next = Співрозмовник пішов далі. Натисніть «Шукати», щоб знайти когось нового.
left-blocked = Співрозмовник більше недоступний. Натисніть «Шукати», щоб знайти когось нового.
left-disconnected = Співрозмовник від'єднався. Натисніть «Шукати», щоб знайти когось нового.
left-moderation = Чат завершив модератор. Натисніть «Шукати», щоб знайти когось нового.
left-idle = Чат завершено: деякий час ніхто не писав. Натисніть «Шукати», щоб знайти когось нового.
left-stop = Співрозмовник завершив чат. Натисніть «Шукати», щоб знайти когось нового.
chat-ended = Чат завершено.
reported = Дякуємо, скаргу подано, чат завершено.
not-in-chat = Ви зараз не в чаті. Натисніть «Шукати», щоб знайти співрозмовника.
search-stopped = Нікого не знайшлося вчасно, тож пошук зупинено. Шукайте знову, коли захочете.
partner-away = У співрозмовника зникло з'єднання, він перепідключається...
still-looking = Досі шукаю... Щоб знайти когось швидше, ці побажання більше не враховуються: { $relaxed }.
relaxed-shared-interest = спільний інтерес
relaxed-age = вік
relaxed-gender = стать
relaxed-lang = мова
blocked = Заблоковано: вас більше не з'єднають із цією людиною.
rated = Дякуємо, вашу оцінку враховано.

## Telegram: кнопки під сповіщеннями

button-next = Далі
button-stop = Стоп
button-search = Шукати

## Telegram: /language

# The language's own name, on its button.
language-name = Українська
language-choose = Оберіть мову, якою я з вами розмовлятиму:
language-set = Відтепер я розмовляю з вами українською.

## Telegram: меню команд і /help

cmd-search = знайти співрозмовника
cmd-next = вийти з чату й знайти когось нового
cmd-stop = завершити чат
cmd-report = поскаржитися на співрозмовника (завершує чат); можна вказати причину
cmd-spoiler-on = ваші фото й відео надходять прихованими, доки на них не натиснуть
cmd-spoiler-off = надсилати їх відкритими
cmd-help = цей список
cmd-protect = увімкнути чи вимкнути захист надісланого (без пересилання й збереження)
cmd-settings = ваш профіль і з ким ви хочете спілкуватися, з кнопками для змін
cmd-profile = показати ваш профіль
cmd-language = обрати мову, якою я з вами розмовляю

## Telegram: /profile і /settings

profile-text =
    Ваш профіль
    Стать: { $gender }
    Вік: { $age }
    Інтереси: { $interests }
    Мови: { $langs }

    Кого ви шукаєте
    Стать: { $wantGender }
    Вік: { $wantAge }
    Мова: { $wantLang }
    Потрібен спільний інтерес: { $shared }
value-not-set = не вказано
value-any = будь-яка
value-unset = не вказувати
value-yes = так
value-no = ні
gender-male = чоловіча
gender-female = жіноча
gender-other = інша
interest-music = музика
interest-movies = кіно
interest-games = ігри
interest-sports = спорт
interest-books = книжки
interest-travel = подорожі
interest-tech = технології
interest-art = мистецтво
interest-food = їжа
interest-science = наука
interest-anime = аніме
interest-fitness = фітнес
interest-pets = домашні тварини
interest-nature = природа
interest-photography = фотографія
interest-languages = мови
settings-my-gender = Моя стать
settings-my-age = Мій вік
settings-my-interests = Мої інтереси
settings-my-languages = Мої мови
settings-partner-gender = Стать співрозмовника
settings-partner-age = Вік співрозмовника
settings-back = « Назад
settings-saved = Збережено.

## Помилки, про які дізнається людина (за їхнім сталим кодом)

error-bad-frame = кадр не є коректним JSON цього протоколу
error-not-in-room = ви не в чаті: спершу почніть пошук
error-already-in-room = ви вже в чаті: спершу натисніть «Далі» або «Стоп»
error-nothing-to-report = скаржитися нема на кого
error-flood = повільніше: забагато повідомлень, спробуйте трохи згодом
error-too-many-searches = забагато пошуків із вашої адреси: зачекайте хвилину й шукайте знову
error-banned = вам заборонено спілкуватися { $until }
error-banned-until = до { $time } UTC
error-banned-forever = назавжди
error-deleted = ваші дані видалено на запит; цей сеанс чату завершено
error-unavailable = сервіс зайнятий або його частина недоступна; повторіть трохи згодом
error-internal = щось пішло не так на нашому боці; цей запит не виконати
error-nothing-to-block = блокувати нема кого: ви ще ні з ким не спілкувалися
error-nothing-to-rate = оцінювати нема кого: ви ще ні з ким не спілкувалися
error-empty-message = текст повідомлення порожній
error-too-long = повідомлення задовге: { $chars } символів, дозволено не більше { $max }
error-invalid-text = у тексті є символ, який не можна надіслати (U+0000)
error-bad-message-id = неправильний ідентифікатор повідомлення
error-bad-reason = причина скарги задовга: не більше 500 символів
error-bad-prefs = неправильні побажання до пошуку
error-bad-gender = стать має бути чоловічою, жіночою або іншою
error-bad-age = вік має бути цілим числом від 16 до 99
error-bad-age-range = мінімальний вік не може бути більшим за максимальний
error-bad-interest = невідомий інтерес
error-too-many-interests = забагато інтересів: { $count }, дозволено не більше { $max }
error-bad-lang = мову задають кодом із 2-8 літер (не більше 5 мов)
error-bad-score = оцінка може бути лише «за» або «проти»
error-bad-session = неправильний токен сеансу

## Вебсторінка (віддається словником у /i18n.js)

web-ui-language = Мова сторінки
web-status-connecting = з'єднання
web-status-online = у мережі
web-status-offline = немає мережі
web-status-reconnecting-in = перепідключення за { $seconds } с
web-banner-offline = Немає з'єднання. Ваші повідомлення збережено, вони підуть, щойно зв'язок повернеться.
web-banner-reconnecting-in = Зв'язок втрачено. Перепідключення за { $seconds } с… Ваші повідомлення збережено.
web-banner-reconnecting = Зв'язок втрачено. Перепідключення…
web-announce-connecting = З'єднання
web-announce-online = З'єднано
web-announce-offline = Немає мережі
web-announce-reconnecting = Зв'язок втрачено, перепідключення
web-offline-try-again = Немає з'єднання. Спробуйте знову, щойно зв'язок повернеться.
web-chatting-restored = Ви спілкуєтеся з незнайомцем.
web-partner-delayed = Співрозмовник у Telegram, а він доставляє близько одного повідомлення на секунду: ваші повідомлення прийдуть із затримкою, по черзі.
web-matched = Тепер ви спілкуєтеся з випадковим незнайомцем. Привітайтеся!
web-attention-matched = Співрозмовника знайдено
web-attention-message = Нове повідомлення
web-error-generic = Щось пішло не так.
web-report-prompt = Поскаржитися на цю людину? Можете написати, що сталося:
web-too-long = У вашому повідомленні { $n } символів; можна не більше { $max }.
web-partner-away = У співрозмовника зникло з'єднання, він перепідключається.
web-partner-back = Співрозмовник знову на зв'язку.
web-partner-reconnecting = Співрозмовник перепідключається…
web-left-title = Співрозмовник пішов
web-left-next = Він перейшов до когось нового.
web-left-stop = Він завершив чат.
web-left-disconnected = У нього зникло з'єднання.
web-left-blocked = Він більше недоступний.
web-ended-moderation-title = Чат завершив модератор
web-ended-moderation = Будь ласка, спілкуйтеся дружньо й безпечно.
web-ended-idle-title = Чат завершено
web-ended-idle = Деякий час ніхто не писав, тож його закрито.
web-ended-search-timeout-title = Цього разу нікого не знайшлося
web-ended-search-timeout = Пошук зупинено: довго не було пари. Спробувати знову?
web-ended-offline-title = Чат завершився, поки ви були не в мережі
web-ended-offline = Можливо, співрозмовник пішов, поки ви перепідключалися.
web-ended-reported-title = Скаргу надіслано
web-ended-reported = Дякуємо, що повідомили. Чат завершено.
web-ended-takeover-title = Цей чат відкрито в іншій вкладці
web-ended-takeover = chathub працює лише в одній вкладці. Можна продовжити тут.
web-notice-connecting = З'єднання…
web-notice-idle = Натисніть «Почати», щоб познайомитися
web-notice-searching = Шукаємо співрозмовника…
web-notice-chatting = Ви спілкуєтеся з незнайомцем
web-start = Почати
web-find-new = Знайти когось нового
web-lobby-title = Поговоріть із незнайомцем
web-lobby-text = Анонімний чат віч-на-віч. Без реєстрації та імен. Будьте ввічливі — на грубіянів можна поскаржитися.
web-who-me = Ви
web-who-partner = Незнайомець
web-status-pending = Надсилається
web-status-sent = Надіслано
web-status-failed = Не надіслано
web-status-undelivered = Не доставлено
web-edit = Змінити
web-retry = Повторити
web-dismiss = Закрити
web-saving = Збереження…
web-saved = Збережено.
web-relaxed = Щоб знайти когось швидше, більше не обов'язково: { $names }.
web-relaxed-shared-interest = спільний інтерес
web-relaxed-age = вік
web-relaxed-gender = стать
web-relaxed-lang = мова
web-report = Поскаржитися
web-stop = Стоп
web-language = Мова
web-any-language = Будь-яка мова
web-settings-summary = Налаштування: ви і з ким хочете познайомитися
web-about-you = Про вас
web-gender = Стать
web-not-set = Не вказано
web-gender-male = Чоловіча
web-gender-female = Жіноча
web-gender-other = Інша
web-age = Вік
web-interests-note = Інтереси (до 5)
web-save-profile = Зберегти профіль
web-partner-legend = Співрозмовник (враховується під час старту)
web-want-gender-note = Стать (нічого не обрано = будь-яка)
web-age-from = Вік від
web-age-to = до
web-shared = спільний інтерес
web-reclaim = Відкрити chathub у цій вкладці
web-last-chat = Ваш останній чат:
web-rate-up = Гарний був чат
web-rate-down = Поганий був чат
web-block = Заблокувати
web-searching = Пошук
web-searching-text = Хвилинку, шукаємо вам співрозмовника.
web-cancel = Скасувати
web-conversation = Розмова
web-messages = Повідомлення
web-jump = Нові повідомлення ↓
web-typing = Незнайомець друкує…
web-next = Далі
web-next-title = Завершити чат і знайти когось нового
web-message = Повідомлення
web-placeholder = Напишіть повідомлення…
web-send = Надіслати
web-report-title = Поскаржитися на цю людину?
web-report-text = Чат завершиться, і його перевірить модератор.
web-report-what = Що сталося?
web-optional = (необов'язково)
web-report-placeholder = Спам, образи, оголеність…
web-searching-now = Зараз шукають: { $n }.
web-rated = Дякуємо за оцінку.
web-blocked = Заблоковано: ви більше не зустрінетеся.
web-not-saved = Не збережено.
