# Слова chathub для людей, по-русски. Те же идентификаторы и те же
# { $переменные }, что и в en/chathub.ftl (проверяет i18n::tests).

## Telegram: уведомления

welcome =
    Добро пожаловать в chathub: анонимные чаты один на один со случайными людьми.

    Как это работает: нажмите «Искать» (или отправьте /search), и вы окажетесь в паре с незнакомцем. Всё, что вы отправляете (текст, фото, видео, стикеры, голосовые, ...), передаётся без вашего имени и аккаунта. /next найдёт кого-то нового, /stop завершит чат.

    /help покажет все команды.
unknown-command = Я не знаю такой команды. /help покажет, что я понимаю.
spoiler-on = Спойлеры включены: ваши фото, видео и GIF приходят собеседнику скрытыми, пока он не нажмёт на них.
spoiler-off = Спойлеры выключены: ваши медиа отправляются открытыми.
protect-on = Защита включена: то, что вы отправляете с этого момента, собеседник не сможет переслать или сохранить. Повторная команда /protect её выключит.
protect-off = Защита выключена: собеседник может пересылать и сохранять то, что вы отправляете.
edit-not-relayed = Это исправление не передано: сообщение не из вашего текущего чата.
undeliverable = Одно сообщение собеседника не удалось доставить.
partner-delayed = Собеседник увидит ваши сообщения с задержкой: Telegram разрешает боту отправлять в чат лишь около одного сообщения в секунду. Ничего не потеряется, и всё придёт по порядку.
not-delivered-to-partner = Telegram не пропустил одно из ваших сообщений: собеседник его не получил.
unsupported = Извините, { $what } нельзя передать анонимно: собеседник это не получил.
unsupported-polls = опросы
unsupported-games = игры
unsupported-stories = истории
unsupported-paid-media = платные медиа
unsupported-checklists = списки задач
unsupported-edits-of-media = исправления медиа
unsupported-this-kind-of-message = такие сообщения
searching = Ищу собеседника... (/stop, чтобы отменить)
matched = Собеседник найден! Поздоровайтесь. Всё, что вы отправляете, передаётся анонимно.
left-next = Собеседник ушёл дальше. Нажмите «Искать», чтобы найти кого-то нового.
left-blocked = Собеседник больше недоступен. Нажмите «Искать», чтобы найти кого-то нового.
left-disconnected = Собеседник отключился. Нажмите «Искать», чтобы найти кого-то нового.
left-moderation = Чат завершён модератором. Нажмите «Искать», чтобы найти кого-то нового.
left-idle = Чат завершён: какое-то время никто не писал. Нажмите «Искать», чтобы найти кого-то нового.
left-stop = Собеседник завершил чат. Нажмите «Искать», чтобы найти кого-то нового.
chat-ended = Чат завершён.
reported = Спасибо, жалоба отправлена, чат завершён.
not-in-chat = Вы сейчас не в чате. Нажмите «Искать», чтобы найти собеседника.
search-stopped = Никого не нашлось вовремя, поэтому поиск остановлен. Ищите снова, когда захотите.
partner-away = У собеседника пропала связь, он переподключается...
still-looking = Всё ещё ищу... Чтобы найти кого-то быстрее, эти пожелания больше не учитываются: { $relaxed }.
relaxed-shared-interest = общий интерес
relaxed-age = возраст
relaxed-gender = пол
relaxed-lang = язык
blocked = Заблокировано: вас больше не соединят с этим человеком.
rated = Спасибо, ваша оценка учтена.

## Telegram: кнопки под уведомлениями

button-next = Дальше
button-stop = Стоп
button-search = Искать

## Telegram: /language

# The language's own name, on its button.
language-name = Русский
language-choose = Выберите язык, на котором я буду с вами говорить:
language-set = Теперь я говорю с вами по-русски.

## Telegram: меню команд и /help

cmd-search = найти собеседника
cmd-next = выйти из чата и найти кого-то нового
cmd-stop = завершить чат
cmd-report = пожаловаться на собеседника (завершает чат); можно указать причину
cmd-spoiler-on = ваши фото и видео приходят скрытыми, пока на них не нажмут
cmd-spoiler-off = отправлять их открытыми
cmd-help = этот список
cmd-protect = включить или выключить защиту отправленного (без пересылки и сохранения)
cmd-settings = ваш профиль и с кем вы хотите общаться, с кнопками для изменения
cmd-profile = показать ваш профиль
cmd-language = выбрать язык, на котором я с вами говорю

## Telegram: /profile и /settings

profile-text =
    Ваш профиль
    Пол: { $gender }
    Возраст: { $age }
    Интересы: { $interests }
    Языки: { $langs }

    Кого вы ищете
    Пол: { $wantGender }
    Возраст: { $wantAge }
    Язык: { $wantLang }
    Нужен общий интерес: { $shared }
value-not-set = не указано
value-any = любой
value-unset = не указывать
value-yes = да
value-no = нет
gender-male = мужской
gender-female = женский
gender-other = другой
interest-music = музыка
interest-movies = кино
interest-games = игры
interest-sports = спорт
interest-books = книги
interest-travel = путешествия
interest-tech = технологии
interest-art = искусство
interest-food = еда
interest-science = наука
interest-anime = аниме
interest-fitness = фитнес
interest-pets = питомцы
interest-nature = природа
interest-photography = фотография
interest-languages = языки
settings-my-gender = Мой пол
settings-my-age = Мой возраст
settings-my-interests = Мои интересы
settings-my-languages = Мои языки
settings-partner-gender = Пол собеседника
settings-partner-age = Возраст собеседника
settings-back = « Назад
settings-saved = Сохранено.

## Ошибки, о которых узнаёт человек (по их постоянному коду)

error-bad-frame = кадр не является корректным JSON этого протокола
error-not-in-room = вы не в чате: сначала начните поиск
error-already-in-room = вы уже в чате: сначала нажмите «Дальше» или «Стоп»
error-nothing-to-report = жаловаться не на кого
error-flood = помедленнее: слишком много сообщений, попробуйте чуть позже
error-too-many-searches = слишком много поисков с вашего адреса: подождите минуту и ищите снова
error-banned = вам запрещено общаться { $until }
error-banned-until = до { $time } UTC
error-banned-forever = навсегда
error-deleted = ваши данные удалены по запросу; этот сеанс чата завершён
error-unavailable = сервис занят или его часть недоступна; повторите чуть позже
error-internal = что-то пошло не так на нашей стороне; этот запрос не выполнить
error-nothing-to-block = блокировать некого: вы ещё ни с кем не общались
error-nothing-to-rate = оценивать некого: вы ещё ни с кем не общались
error-empty-message = текст сообщения пуст
error-too-long = сообщение слишком длинное: { $chars } символов, допустимо не больше { $max }
error-invalid-text = в тексте есть символ, который нельзя отправить (U+0000)
error-bad-message-id = неверный идентификатор сообщения
error-bad-reason = причина жалобы слишком длинная: не больше 500 символов
error-bad-prefs = неверные пожелания к поиску
error-bad-gender = пол должен быть мужским, женским или другим
error-bad-age = возраст должен быть целым числом от 16 до 99
error-bad-age-range = минимальный возраст не может быть больше максимального
error-bad-interest = неизвестный интерес
error-too-many-interests = слишком много интересов: { $count }, допустимо не больше { $max }
error-bad-lang = язык задаётся кодом из 2-8 букв (не больше 5 языков)
error-bad-score = оценка может быть только «за» или «против»
error-bad-session = неверный токен сеанса

## Веб-страница (отдаётся словарём в /i18n.js)

web-ui-language = Язык страницы
web-status-connecting = подключение
web-status-online = в сети
web-status-offline = нет сети
web-status-reconnecting-in = переподключение через { $seconds } с
web-banner-offline = Нет подключения. Ваши сообщения сохранены и уйдут, когда связь вернётся.
web-banner-reconnecting-in = Связь потеряна. Переподключение через { $seconds } с… Ваши сообщения сохранены.
web-banner-reconnecting = Связь потеряна. Переподключение…
web-announce-connecting = Подключение
web-announce-online = Подключено
web-announce-offline = Нет сети
web-announce-reconnecting = Связь потеряна, переподключение
web-offline-try-again = Нет подключения. Попробуйте снова, когда связь вернётся.
web-chatting-restored = Вы общаетесь с незнакомцем.
web-partner-delayed = Собеседник в Telegram, а он доставляет около одного сообщения в секунду: ваши сообщения придут с задержкой, по порядку.
web-matched = Теперь вы общаетесь со случайным незнакомцем. Поздоровайтесь!
web-attention-matched = Собеседник найден
web-attention-message = Новое сообщение
web-error-generic = Что-то пошло не так.
web-report-prompt = Пожаловаться на этого человека? Можете написать, что произошло:
web-too-long = В вашем сообщении { $n } символов; можно не больше { $max }.
web-partner-away = У собеседника пропала связь, он переподключается.
web-partner-back = Собеседник снова на связи.
web-partner-reconnecting = Собеседник переподключается…
web-left-title = Собеседник ушёл
web-left-next = Он перешёл к кому-то новому.
web-left-stop = Он завершил чат.
web-left-disconnected = У него пропала связь.
web-left-blocked = Он больше недоступен.
web-ended-moderation-title = Чат завершён модератором
web-ended-moderation = Пожалуйста, общайтесь дружелюбно и безопасно.
web-ended-idle-title = Чат завершён
web-ended-idle = Какое-то время никто не писал, поэтому он закрыт.
web-ended-search-timeout-title = На этот раз никого не нашлось
web-ended-search-timeout = Поиск остановлен: долго не было пары. Попробовать снова?
web-ended-offline-title = Чат завершился, пока вы были не в сети
web-ended-offline = Возможно, собеседник ушёл, пока вы переподключались.
web-ended-reported-title = Жалоба отправлена
web-ended-reported = Спасибо, что сообщили. Чат завершён.
web-ended-takeover-title = Этот чат открыт в другой вкладке
web-ended-takeover = chathub работает только в одной вкладке. Можно продолжить здесь.
web-notice-connecting = Подключение…
web-notice-idle = Нажмите «Начать», чтобы познакомиться
web-notice-searching = Ищем собеседника…
web-notice-chatting = Вы общаетесь с незнакомцем
web-start = Начать
web-find-new = Найти кого-то нового
web-lobby-title = Поговорите с незнакомцем
web-lobby-text = Анонимный чат один на один. Без регистрации и имён. Будьте вежливы — на грубиянов можно пожаловаться.
web-who-me = Вы
web-who-partner = Незнакомец
web-status-pending = Отправляется
web-status-sent = Отправлено
web-status-failed = Не отправлено
web-status-undelivered = Не доставлено
web-edit = Изменить
web-retry = Повторить
web-dismiss = Закрыть
web-saving = Сохранение…
web-saved = Сохранено.
web-relaxed = Чтобы найти кого-то быстрее, больше не обязательно: { $names }.
web-relaxed-shared-interest = общий интерес
web-relaxed-age = возраст
web-relaxed-gender = пол
web-relaxed-lang = язык
web-report = Пожаловаться
web-stop = Стоп
web-language = Язык
web-any-language = Любой язык
web-settings-summary = Настройки: вы и с кем хотите познакомиться
web-about-you = О вас
web-gender = Пол
web-not-set = Не указан
web-gender-male = Мужской
web-gender-female = Женский
web-gender-other = Другой
web-age = Возраст
web-interests-note = Интересы (до 5)
web-save-profile = Сохранить профиль
web-partner-legend = Собеседник (учитывается при старте)
web-want-gender-note = Пол (ничего не выбрано = любой)
web-age-from = Возраст от
web-age-to = до
web-shared = общий интерес
web-reclaim = Открыть chathub в этой вкладке
web-last-chat = Ваш последний чат:
web-rate-up = Хороший был чат
web-rate-down = Плохой был чат
web-block = Заблокировать
web-searching = Поиск
web-searching-text = Минутку, ищем вам собеседника.
web-cancel = Отмена
web-conversation = Разговор
web-messages = Сообщения
web-jump = Новые сообщения ↓
web-typing = Незнакомец печатает…
web-next = Дальше
web-next-title = Завершить чат и найти кого-то нового
web-message = Сообщение
web-placeholder = Напишите сообщение…
web-send = Отправить
web-report-title = Пожаловаться на этого человека?
web-report-text = Чат завершится, и его проверит модератор.
web-report-what = Что произошло?
web-optional = (необязательно)
web-report-placeholder = Спам, оскорбления, обнажёнка…
web-searching-now = Сейчас ищут: { $n }.
web-rated = Спасибо за оценку.
web-blocked = Заблокировано: вы больше не встретитесь.
web-not-saved = Не сохранено.
