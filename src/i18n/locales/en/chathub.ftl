# chathub's words for people, in English (the default language).
# Every file under locales/ has exactly the same message ids and the same
# { $variables } in each message: a unit test (i18n::tests) fails otherwise.

## Telegram: notices

welcome =
    Welcome to chathub: anonymous one-to-one chats with random people.

    How it works: press Search (or send /search) and you are paired with a stranger. Everything you send (text, photos, videos, stickers, voice, ...) is passed on without your name or account. /next finds someone new, /stop ends the chat.

    /help lists every command.
unknown-command = I don't know that command. /help lists what I understand.
spoiler-on = Spoilers on: your photos, videos and GIFs reach your partner hidden until tapped.
spoiler-off = Spoilers off: your media are sent uncovered.
protect-on = Protection on: what you send from now on cannot be forwarded or saved by your partner. /protect again turns it off.
protect-off = Protection off: your partner can forward and save what you send.
edit-not-relayed = That edit was not passed on: the message is not part of your current chat.
undeliverable = One message from your partner could not be delivered.
partner-delayed = Your partner will see your messages with a delay: Telegram lets a bot send only about one message a second into a chat. Nothing is lost, and they arrive in order.
not-delivered-to-partner = Telegram would not pass one of your messages on: your partner did not get it.
unsupported = Sorry, { $what } can't be passed on anonymously: your partner did not get it.
unsupported-polls = polls
unsupported-games = games
unsupported-stories = stories
unsupported-paid-media = paid media
unsupported-checklists = checklists
unsupported-edits-of-media = edits of media
unsupported-this-kind-of-message = this kind of message
searching = Looking for a partner... (/stop to cancel)
matched = Partner found! Say hi. Everything you send is passed on anonymously.
left-next = Your partner moved on. Search to find someone new.
left-blocked = Your partner can no longer be reached. Search to find someone new.
left-disconnected = Your partner disconnected. Search to find someone new.
left-moderation = The chat was ended by a moderator. Search to find someone new.
left-idle = The chat ended: nobody wrote for a while. Search to find someone new.
left-stop = Your partner ended the chat. Search to find someone new.
chat-ended = Chat ended.
reported = Thank you, your report was filed and the chat ended.
not-in-chat = You are not in a chat. Search to find a partner.
search-stopped = Nobody was found in time, so the search stopped. Search again whenever you like.
partner-away = Your partner lost their connection and is reconnecting...
still-looking = Still looking... To find someone sooner, these preferences no longer apply: { $relaxed }.
relaxed-shared-interest = shared interest
relaxed-age = age
relaxed-gender = gender
relaxed-lang = lang
blocked = Blocked: you will not be matched with them again.
rated = Thanks, your rating was recorded.

## Telegram: buttons under notices

button-next = Next
button-stop = Stop
button-search = Search

## Telegram: /language

# The language's own name, on its button.
language-name = English
language-choose = Choose the language I speak to you in:
language-set = From now on I speak English to you.

## Telegram: the command menu and /help

cmd-search = find a partner
cmd-next = leave this chat and find someone new
cmd-stop = end the chat
cmd-report = report your partner (ends the chat); a reason may follow
cmd-spoiler-on = your photos and videos arrive hidden until tapped
cmd-spoiler-off = send them uncovered
cmd-help = this list
cmd-protect = turn protection of what you send on or off (no forwarding or saving)
cmd-settings = your profile and whom you want to meet, with buttons to change them
cmd-profile = show your profile
cmd-language = choose the language I speak to you in

## Telegram: /profile and /settings

profile-text =
    Your profile
    Gender: { $gender }
    Age: { $age }
    Interests: { $interests }
    Languages: { $langs }

    Partner preferences
    Gender: { $wantGender }
    Age: { $wantAge }
    Language: { $wantLang }
    Shared interest required: { $shared }
value-not-set = not set
value-any = any
value-unset = unset
value-yes = yes
value-no = no
gender-male = male
gender-female = female
gender-other = other
interest-music = music
interest-movies = movies
interest-games = games
interest-sports = sports
interest-books = books
interest-travel = travel
interest-tech = tech
interest-art = art
interest-food = food
interest-science = science
interest-anime = anime
interest-fitness = fitness
interest-pets = pets
interest-nature = nature
interest-photography = photography
interest-languages = languages
settings-my-gender = My gender
settings-my-age = My age
settings-my-interests = My interests
settings-my-languages = My languages
settings-partner-gender = Partner's gender
settings-partner-age = Partner's age
settings-back = « Back
settings-saved = Saved.

## Errors a person is told, by their stable code (English ones come from
## the code's own messages; these are kept for every language alike)

error-bad-frame = the frame is not valid JSON for this protocol
error-not-in-room = you are not in a chat: search first
error-already-in-room = you are already in a chat: press next or stop first
error-nothing-to-report = there is nobody to report
error-flood = slow down: too many messages, try again in a moment
error-too-many-searches = too many searches from your address: wait a minute and search again
error-banned = you are banned from chatting { $until }
error-banned-until = until { $time } UTC
error-banned-forever = permanently
error-deleted = your data was deleted on request; this chat session has ended
error-unavailable = the service is busy or a dependency is down; retry shortly
error-internal = something went wrong on our side; this request cannot be completed
error-nothing-to-block = there is nobody to block: you have not chatted with anyone yet
error-nothing-to-rate = there is nobody to rate: you have not chatted with anyone yet
error-empty-message = message text is empty
error-too-long = message is too long: { $chars } characters, at most { $max } allowed
error-invalid-text = text contains a character that cannot be sent (U+0000)
error-bad-message-id = the message id is not valid
error-bad-reason = report reason is too long: at most 500 characters
error-bad-prefs = search preferences are invalid
error-bad-gender = gender must be male, female or other
error-bad-age = age must be a whole number from 16 to 99
error-bad-age-range = age_min must not be above age_max
error-bad-interest = unknown interest tag
error-too-many-interests = too many interests: { $count }, at most { $max } allowed
error-bad-lang = language must be a code of 2-8 letters (at most 5)
error-bad-score = score must be up or down
error-bad-session = session token is invalid

## The web page (served as a dictionary at /i18n.js)

web-ui-language = Page language
web-status-connecting = connecting
web-status-online = online
web-status-offline = offline
web-status-reconnecting-in = reconnecting in { $seconds }s
web-banner-offline = You are offline. Your messages are kept and sent once you are back.
web-banner-reconnecting-in = Connection lost. Reconnecting in { $seconds }s… Your messages are kept.
web-banner-reconnecting = Connection lost. Reconnecting…
web-announce-connecting = Connecting
web-announce-online = Connected
web-announce-offline = Offline
web-announce-reconnecting = Connection lost, reconnecting
web-offline-try-again = You are offline. Try again once reconnected.
web-chatting-restored = You're chatting with a stranger.
web-partner-delayed = Your partner is on Telegram, which delivers about one message a second: they will see your messages with a delay, in order.
web-matched = You're now chatting with a random stranger. Say hi!
web-attention-matched = Stranger found
web-attention-message = New message
web-error-generic = Something went wrong.
web-report-prompt = Report this person? Optionally say what happened:
web-too-long = Your message is { $n } characters long; the limit is { $max }.
web-partner-away = Your partner lost their connection and is reconnecting.
web-partner-back = Your partner is back.
web-partner-reconnecting = Your partner is reconnecting…
web-left-title = Your partner left
web-left-next = They moved on to someone new.
web-left-stop = They ended the chat.
web-left-disconnected = They lost their connection.
web-left-blocked = They can no longer be reached.
web-ended-moderation-title = The chat was ended by a moderator
web-ended-moderation = Please keep chats friendly and safe.
web-ended-idle-title = The chat ended
web-ended-idle = Nobody wrote for a while, so it was closed.
web-ended-search-timeout-title = Nobody found this time
web-ended-search-timeout = The search stopped after a while without a match. Try again?
web-ended-offline-title = The chat ended while you were offline
web-ended-offline = Your partner may have left while you were reconnecting.
web-ended-reported-title = Report sent
web-ended-reported = Thanks for letting us know. The chat has ended.
web-ended-takeover-title = This chat is open in another tab
web-ended-takeover = chathub works in one tab at a time. You can continue here instead.
web-notice-connecting = Connecting…
web-notice-idle = Press Start to meet someone new
web-notice-searching = Looking for someone…
web-notice-chatting = You're chatting with a stranger
web-start = Start chatting
web-find-new = Find someone new
web-lobby-title = Talk to a stranger
web-lobby-text = Anonymous one-to-one chat. No sign-up, no names. Be kind — you can report anyone who isn't.
web-who-me = You
web-who-partner = Stranger
web-status-pending = Sending
web-status-sent = Sent
web-status-failed = Not sent
web-status-undelivered = Not delivered
web-edit = Edit
web-retry = Retry
web-dismiss = Dismiss
web-saving = Saving…
web-saved = Saved.
web-relaxed = To find someone sooner, no longer required: { $names }.
web-relaxed-shared-interest = shared interest
web-relaxed-age = age
web-relaxed-gender = gender
web-relaxed-lang = language
web-report = Report
web-stop = Stop
web-language = Language
web-any-language = Any language
web-settings-summary = Settings: you and whom you want to meet
web-about-you = About you
web-gender = Gender
web-not-set = Not set
web-gender-male = Male
web-gender-female = Female
web-gender-other = Other
web-age = Age
web-interests-note = Interests (up to 5)
web-save-profile = Save profile
web-partner-legend = Your partner (used when you start)
web-want-gender-note = Gender (none = anyone)
web-age-from = Age from
web-age-to = to
web-shared = an interest in common
web-reclaim = Use chathub in this tab
web-last-chat = Your last chat:
web-rate-up = It was a good chat
web-rate-down = It was a bad chat
web-block = Block
web-searching = Searching
web-searching-text = Hang tight, we're finding someone for you.
web-cancel = Cancel
web-conversation = Conversation
web-messages = Messages
web-jump = New messages ↓
web-typing = Stranger is typing…
web-next = Next
web-next-title = End this chat and meet someone new
web-message = Message
web-placeholder = Type a message…
web-send = Send
web-report-title = Report this person?
web-report-text = The chat will end and a moderator will review it.
web-report-what = What happened?
web-optional = (optional)
web-report-placeholder = Spam, harassment, nudity…
web-searching-now = { $n } searching now.
web-rated = Thanks for rating.
web-blocked = Blocked: you will not meet them again.
web-not-saved = Not saved.
