#!/usr/bin/env python3
"""Writes src/text/assets/lexicon.tsv from the word families below.

The lexicon is ours: each family line is `valence: form form ...` with hand-set valences on
the -4..+4 scale, written for customer language (delivery, refunds, quality, service,
billing, apps). Inflections are generated from markers so that families stay short:
  word/v  regular verb   -> word, words, worded, wording
  word/a  adjective      -> word, wordly (adverb)
  word/n  noun           -> word, words
  word!N  explicit negated valence N (used when the term is negated), e.g. arrived!-1.8
Common typos of strong words (dropped double letters, ie/ei swaps) are added as well.
Run: python3 src/text/tools/make_lexicon.py  (rewrites the asset; commit both).
"""
import os
import re

FAMILIES = r"""
# ---- general strong positive
3.2: love/v lovely adore/v adored adoring adorable amazing amazingly amazed awesome awesomely
3.0: excellent excellently exceptional exceptionally outstanding outstandingly superb superbly
3.0: fantastic fantastically fabulous fabulously phenomenal phenomenally magnificent terrific
3.0: wonderful wonderfully brilliant brilliantly incredible stellar flawless flawlessly perfect perfectly perfection
3.3: best greatest 10/10 5/5 a+ a++ goat
2.8: delighted delightful delight thrilled thrilling ecstatic overjoyed elated stunning stunningly gorgeous
2.6: great greatly impressive impressed impress/v beautiful beautifully marvelous marvellous splendid exquisite
2.6: awsome amazin fab fav fave favourite favorite favorites favourites luv lovin
2.5: recommend!-2.0 recommended!-2.0 recommending!-1.8 recommends!-1.8 recommendation
2.4: happy happily happier happiest glad gladly pleased pleasing satisfied!-1.8 satisfying satisfaction
2.2: enjoy/v enjoyable joy joyful fun funny cool nice nicely neat sweet
2.0: good!-1.8 well-made lovelier nicer better!-1.5 finer superior premium quality-made top-notch
2.0: pleasant pleasantly pleasure comfortable comfortably comfy cozy cosy handy
1.8: recommendable worthwhile worth!-1.8 valuable value-for-money bargain steal deal bonus
1.6: fine!-1.2 decent decently solid solidly reliable reliably dependable trustworthy trusted trust/v
1.5: ok!-1.0 okay!-1.0 alright fair fairly adequate adequately acceptable satisfactory reasonable reasonably
1.4: like!-1.5 liked!-1.5 likes!-1.4 liking
1.2: works!-1.8 worked!-1.8 working!-1.6 work!-1.6 functional functioning!-1.5 function!-1.2 usable!-1.8
1.0: helps!-1.5 helped!-1.6 useful!-1.8 usefulness helpful!-2.0 helpfully
# ---- general negative
-3.4: worst hate/v hated hating hateful horrendous horrific horrifically atrocious abysmal abysmally
-3.2: terrible terribly horrible horribly awful awfully dreadful dreadfully appalling appallingly disgusting disgusted
-3.0: pathetic pathetically disgraceful disgrace shameful shameless outrageous outraged furious furiously livid
-3.0: scam/n scammed scammer scammers scamming fraud/n fraudulent fraudulently rip-off ripoff ripped
-2.8: garbage trash rubbish junk junky crap crappy crapola shit shitty sucks sucked suck sucky
-2.8: useless!1.0 worthless unusable!0.8 unacceptable!1.0 inexcusable ridiculous ridiculously absurd
-2.6: nightmare nightmarish disaster disastrous disastrously catastrophe catastrophic fiasco
-2.5: hopeless hopelessly incompetent incompetence clueless lousy poor!1.0 poorly!1.0 inferior shoddy shoddily
-2.4: disappoint/v disappointing disappointingly disappointment disappointments disappointment letdown
-2.4: angry angrily anger annoyed annoying annoyingly annoyance irritated irritating irritatingly infuriating infuriated
-2.2: bad!1.2 badly worse!0.8 worsened worsening unhappy unhappily unsatisfied dissatisfied dissatisfaction
-2.2: upset upsetting frustrated frustrating frustratingly frustration frustrations fed-up sad sadly regret/v regrettable
-2.0: mediocre subpar sub-par meh lame bland dull boring unimpressed unimpressive underwhelming underwhelmed
-2.0: problem/n issue!1.0 issues!1.0 trouble/n troublesome hassle/n headache headaches struggle/v struggled
-2.0: wrong wrongly mistake/n error/n errors faulty fault/n faults flaw/n flawed defect/n defective defects
-1.8: difficult difficulty difficulties hard-to-use complicated confusing confused confusion unclear
-1.6: avoid/v avoided warning beware careful!0.2 unfortunately unfortunate sadly shame pity
-1.5: cheap!0.5 cheaply flimsy!0.8 fragile weak weakly thin!0 inconsistent unreliable!1.0 unstable
-1.5: slow/a slower slowest slowness sluggish sluggishly laggy lag/n lagging delay/n delayed delays late!0.8 later!0
-1.4: expensive!1.2 pricey overpriced over-priced costly steep
-1.2: complain/v complaint complaints concern/n concerned concerning doubt doubtful unsure skeptical sceptical
-1.0: odd weird strange unusual meh. nah
# ---- delivery / shipping
2.0: prompt promptly punctual speedy speedily swift swiftly quick!-1.2 quickly!-1.2 quicker fast!-1.2 faster fastest
1.8: on-time early!-0.6 earlier ahead-of-schedule efficiently efficient
0.0: arrived!-1.8 arrive!-1.6 arrives!-1.6 arriving!-1.2 delivered!-1.6 deliver!-1.4 delivers!-1.4 shipped!-1.4
0.0: received!-1.4 receive!-1.2 recieved!-1.4 came!-1.0 showed!-1.0 responded!-1.6 respond!-1.4 replied!-1.6 reply!-1.2
0.0: answered!-1.4 answer!-1.0 refunded!-1.6 fixed!-1.5 fix!-1.2 resolved!-1.6 resolve!-1.4 solved!-1.5 solve!-1.2
0.0: updated!-1.0 loads!-1.4 load!-1.2 loading!-0.8 connects!-1.4 connect!-1.2 syncs!-1.2 sync!-1.0 charges!-0.6 charging!-1.2
0.0: fits!-1.4 fit!-1.2 lasted!-1.5 lasts!-1.4 last!-0.3 hold!-0.6 holds!-1.2 help!-0.8 helps!-1.2 accept!-1.2 accepted!-1.2
0.0: apply!-1.2 applied!-1.2 applies!-1.2 open!-1.0 opens!-1.2 start!-1.0 starts!-1.2 turn!-0.6 turns!-1.0
1.5: tracked trackable traceable well-packed well-packaged protected!-1.2 secure securely intact!-1.8 undamaged
-2.2: lost!1.0 missing!1.0 undelivered stolen misdelivered mis-delivered wrong-address stuck
-2.0: damaged!1.2 damage/n dented crushed smashed shattered broken!1.2 broke!1.2 break/v breaking cracked!1.0 crack/n chipped
-1.8: overdue backordered back-ordered postponed rescheduled cancelled!0 canceled!0 held-up
-1.6: leaking leaky leaked leaks leak torn ripped-open scratched!0.8 scratches scratch scuffed stained tarnished
# ---- quality / product
2.2: durable!-1.5 sturdy!-1.5 robust rugged well-built well-made!-1.8 high-quality quality!-0.5 craftsmanship
2.0: soft softer comfy breathable lightweight compact elegant stylish sleek classy crisp!-1.0 clear!-1.0 sharp!-0.5
2.0: accurate accurately precise precisely responsive!-1.8 smooth!-1.2 smoothly seamless seamlessly effortless effortlessly
1.8: powerful!-1.5 strong!-1.2 sturdier sharp-looking vibrant bright!-0.5 roomy spacious versatile
1.6: fresh tasty delicious yummy flavorful flavourful authentic genuine!-1.8 original!-0.5 new!-0.5
-2.2: flimsier flimsiest broke-down fell-apart rusted rusty rust moldy mouldy rotten expired stale
-2.0: uncomfortable itchy scratchy tight!0 loose!0 wobbly wobble/v shaky rattles rattling noisy loud!0.5 squeaky squeaks
-2.0: faded fading fade/v peeling peeled peel/v frayed fraying unravel/v unraveled tear/v tears
-1.8: counterfeit fake knockoff knock-off imitation used!0.5 refurbished!0 second-hand secondhand dirty filthy smelly stinks stinky stink
-1.8: overheats overheating overheated heats!0 hot!0.3 burning burnt burned sparks sparked dangerous hazard/n unsafe
-1.5: heavy!0.5 bulky clunky awkward awkwardly inaccurate imprecise dim blurry blurred grainy pixelated muffled tinny
-1.5: small!0 smaller!0 tiny!0 short!0 shorter!0 big!0 bigger!0 huge!0 oversized undersized
# ---- apps / software / performance
2.2: intuitive intuitively user-friendly easy!-1.8 easier!-1.5 easiest simple!-1.2 simpler straightforward painless
2.0: stable!-1.8 snappy fluid lightning-fast blazing optimized efficient streamlined polished
-2.6: crash/v crashes crashed crashing freeze/v freezes froze frozen hangs hang glitch/n glitches glitchy buggy bug/n
-2.4: unresponsive!1.0 unstable broken-down down!0.5 outage outages downtime timeout timeouts timed-out
-2.0: lags lagged stutters stuttering stutter/v jittery choppy drains drained draining battery-drain
-1.8: clunky cluttered bloated confusing!1.0 unintuitive cumbersome tedious annoying ads!0 popups pop-ups spammy spam/n
-1.6: fails!1.0 failed!1.0 fail/v failing failure/n doesn't-work not-working malfunction/n malfunctions malfunctioning
-1.2: logged-out locked!0 blocked!0 expired!0 invalid!0 denied!0.5 rejected!0.5 declined!0
# ---- service / support
2.4: helpful!-2.0 courteous polite!-1.8 friendly!-1.8 kind kindly patient!-1.5 attentive considerate professional!-1.8
2.2: knowledgeable responsive communicative accommodating understanding!-1.0 caring supportive generous generously
2.0: thank/v thanks thankyou thx ty appreciate/v appreciated appreciative grateful gratefully thankful
1.6: apologized apologised apology apologies sorry!0 compensated compensation reimbursed
-2.8: rude rudely disrespectful insulting insulted arrogant condescending hostile
-2.2: unhelpful unprofessional dismissive ignored!1.0 ignoring ignore/v unanswered unresponsive neglected
-1.8: incompetent careless carelessly lazy sloppy sloppily runaround run-around stonewalled canned scripted robotic
-1.4: waited!0 waiting!0 wait!0 hold!-0.6 queue!0 escalate/v escalated escalation
# ---- billing / price
2.0: affordable!-1.5 inexpensive cheaper!-0.6 discounted discount/n discounts savings saved!-0.5 free!-0.5
1.8: fairly-priced reasonably-priced well-priced budget-friendly economical transparent
-2.6: overcharged overcharge/v overcharging double-charged double-billed extortionate extortion
-2.2: hidden-fees overbilled overbilling unauthorized unauthorised chargeback dispute/v
-1.6: charged!0 billed!0 fee!0 fees!0 surcharge surcharges penalty penalties markup
# ---- emotions and evaluation words
2.6: wow woohoo yay hooray yes!-0.5 bravo kudos thumbs-up
2.4: impeccable immaculate pristine spotless ideal ideally superlative sublime heavenly divine
2.2: pleasantly pleasing charming charm lovable likeable cute adorable beautifully
2.0: efficient effective effectively productive helpful-ish convenient conveniently practical
2.0: win/v winner winning success/n successful successfully succeed/v triumph
2.0: relieved relief reassured reassuring confident confidently safe!-1.5 safely
1.8: improved!-1.2 improvement/n improvements improve/v upgraded enhance/v enhanced
1.5: interesting intrigued curious fascinating clever smart smartly innovative creative
1.4: okayish alright-ish passable tolerable bearable!-1.5 serviceable
-3.0: hell hellish torture tortured agony miserable misery dreadfully despise/v despicable loathe/v vile
-2.6: scandalous unethical dishonest dishonestly lying lied lies liar liars cheated cheat/v cheating deceptive misleading misled
-2.4: broken-promises betrayed betrayal unfair unfairly unjust abuse/v abusive threatened threatening
-2.2: annoy/v irritate/v frustrate/v anger/v disgust/v hate-it regretting regretted regrets
-2.0: fail failure failures flop letdown letdowns wasteful waste/n wasted wasting
-2.0: sick sickening nauseous gross yuck yucky ew eww ugh argh grr
-1.8: worried worry/v worrying anxious nervous stressed stressful stress/n scared afraid fear/n
-1.6: tired exhausting exhausted boring bored tiresome pointless senseless meaningless
-1.5: mess/n messy messed chaotic chaos disorganized disorganised unorganized
-1.2: unfortunately sadly alas oops whoops
-1.0: questionable suspicious dubious iffy sketchy shady

# ---- more evaluation verbs (regular inflections)
2.4: cherish/v treasure/v relish/v admire/v praise/v applaud/v celebrate/v
2.0: satisfy!-1.6 delight/v amaze/v impress/v excel/v thrive/v shine/v
1.8: benefit/v reward/v welcome/v value/v respect/v assist/v simplify/v
1.6: favor/v favour/v prefer/v suit/v accommodate/v
-2.6: ruin/v destroy/v wreck/v trash/v botch/v sabotage/v
-2.2: damage/v break!1.0 leak/v jam/v clog/v stall/v collapse/v crumble/v shatter/v snap/v
-2.0: complain/v regret/v dislike/v detest/v resent/v mislead/v overcharge/v underdeliver/v
-1.8: struggle/v suffer/v worry/v confuse/v mess/v delay/v postpone/v misplace/v lose!0.8 drop/v
-1.6: ignore/v neglect/v refuse/v reject/v deny/v decline/v cancel/v block/v
-1.4: wait!0 hesitate/v doubt/v
# ---- more adjectives (with -ly adverbs)
2.6: remarkable/a extraordinary/a sensational/a spectacular/a breathtaking/a astonishing/a astounding/a
2.4: fantastic/a glorious/a majestic/a delicious/a lovely/a charming/a enchanting/a graceful/a
2.2: excellent/a wonderful/a fabulous/a splendid/a gorgeous/a elegant/a refined/a polished/a
2.0: pleasant/a enjoyable/a attractive/a handsome/a stylish/a tasteful/a thoughtful/a careful!0 sensible/a
2.0: efficient/a effective/a reliable/a consistent/a dependable/a trustworthy/a honest fair/a
1.8: quick/a rapid/a prompt/a timely/a speedy/a swift/a brisk/a
1.8: friendly/a helpful/a kind/a gentle/a warm/a caring/a respectful/a courteous/a
1.6: useful/a practical/a functional/a convenient/a comfortable/a reasonable/a adequate/a
1.6: clean/a tidy/a neat/a organised/a organized/a clear/a simple/a smooth/a
-2.8: horrible/a terrible/a awful/a dreadful/a appalling/a atrocious/a abysmal/a disgusting/a
-2.4: miserable/a pathetic/a shameful/a deplorable/a lamentable/a woeful/a dismal/a
-2.2: defective/a faulty/a broken/a damaged/a unusable/a useless/a worthless/a pointless/a
-2.0: careless/a sloppy/a lazy/a incompetent/a unprofessional/a rude/a impolite/a unfriendly/a
-2.0: unreliable/a inconsistent/a unstable/a unpredictable/a erratic/a buggy/a glitchy/a
-1.8: slow/a sluggish/a tardy/a late!0.8 delayed/a belated/a
-1.8: confusing/a complicated/a convoluted/a cumbersome/a awkward/a clumsy/a
-1.6: cheap!0.5 flimsy/a fragile/a weak/a thin!0 loose!0 shaky/a wobbly/a
-1.6: dirty/a filthy/a smelly/a sticky!0 greasy/a dusty/a stained/a
-1.6: noisy/a loud!0.5 harsh/a rough/a scratchy/a itchy/a stiff/a
-1.4: expensive/a overpriced/a pricey/a costly/a
# ---- nouns of praise and complaint (with plurals)
2.6: masterpiece/n gem/n treasure/n delight/n joy/n blessing/n lifesaver/n
2.2: winner/n champion/n hero/n legend/n favourite/n favorite/n
1.6: benefit/n advantage/n perk/n upgrade/n improvement/n bargain/n
-2.6: disaster/n nightmare/n catastrophe/n fiasco/n mess/n joke/n scam/n
-2.2: failure/n flaw/n defect/n fault/n bug/n glitch/n malfunction/n breakdown/n
-2.0: complaint/n grievance/n annoyance/n nuisance/n hassle/n headache/n inconvenience/n
-1.8: delay/n setback/n obstacle/n hiccup/n snag/n
-1.4: concern/n worry/n doubt/n risk/n
# ---- more customer-language words
2.0: hassle-free trouble-free worry-free fuss-free pain-free glitch-free bug-free problem-free
2.0: well-priced well-thought-out well-designed well-crafted well-finished well-stitched well-fitting
1.8: long-lasting hard-wearing heavy-duty high-end good-looking eye-catching
-2.2: overpromised under-delivered misrepresented mislabeled mislabelled misdescribed
-2.0: short-changed shortchanged understaffed overwhelmed overworked outdated obsolete
-1.8: low-quality low-end poor-quality second-rate third-rate bargain-bin knock-offs
-1.6: non-existent nonexistent non-responsive nonresponsive half-baked half-hearted

# ---- neutral in customer language (requests, not feelings), negatable
0.0: refund!-1.0 refunds!-0.8 help!-0.8 upgrade!0
-1.0: offline
-2.0: disconnect/v disconnected dies died dying
# ---- misc ratings shorthand
2.0: thumbsup 4/5 8/10 9/10 recommendable
-2.0: 1/5 2/5 1/10 2/10 3/10 0/10 0/5 thumbsdown
0.5: 3/5 5/10 6/10 7/10
# ---- social media (issue 21): slang, hashtag words, reactions
2.6: obsessed slaps slapped goated stoked
2.2: blessed dope yay woohoo yass yasss legit!-1.0 vibes
-2.6: fml wtf wth cringe cringey cringy
-2.0: yikes smh ughh bruh
# ---- formal and editorial register (issue 21)
3.0: triumph triumphant exemplary
2.2: commendable commendably praiseworthy encouraging encouragingly persuasive persuasively
1.6: capable capably beneficial promising
-2.8: negligent negligently negligence indefensible inexcusably unmitigated deplorable
-2.2: inadequate!0.8 inadequately inadequacy deteriorate/v deterioration criticise/v criticize/v criticism alarming alarmingly
-2.0: alarmed regrettably lamentable failings shortcoming shortcomings severe!0 severely unresolved
-1.6: short-sighted shortsighted questionable dubious doubts
"""

# Multiword expressions (idioms, set phrases). The whole phrase gets the valence and its
# words are not scored again; a negator before it still applies.
PHRASES = r"""
-3.4: waste of money | waste of time | complete waste | total waste | avoid at all costs | stay away
-3.2: rip off | piece of junk | piece of crap | piece of garbage | total rip off | never again | do not buy | don't buy
-3.0: fell apart | falling apart | came apart | broke down | went wrong | worst ever | zero stars | 0 stars | not worth a penny
-2.8: hung up on me | hung up | a joke | is a joke | joke of a | nothing but trouble | run around | the runaround
-2.6: stopped working | quit working | stopped charging | died after | dead on arrival | doa | dead pixels | out of stock
-2.4: took forever | takes forever | took ages | takes ages | took weeks | on hold for | still waiting | still no | never received
-2.4: let down | let me down | falls short | fell short | fall short | poor quality | low quality | bad quality
-2.2: one star | 1 star | two stars | 2 stars | not as described | not as advertised | doesn't work | does not work | didn't work
-2.2: no longer works | not working | won't turn on | won't charge | won't load | would not recommend | wouldn't recommend
-2.0: cheaply made | poorly made | badly made | poorly designed | badly designed | wrong item | wrong size | wrong color | wrong colour
-2.0: too small | too big | too expensive | too tight | too loose | too short | too long | way too | not worth | no better
-2.0: quality control | hidden fees | hidden charges | charged twice | double charged | billed twice | no response | no reply
-1.8: could be better | could have been better | leaves a lot to be desired | not great | not good enough | nothing special
-1.8: customer no more | took my money | no refund | refund denied | refused the refund | refused my refund | refused to refund
-1.6: for the price | at this price | for what you pay | so so | so-so | hit or miss | hit and miss | hit-or-miss
3.4: works like a charm | worked like a charm | works like magic | worth every penny | best purchase | best ever | exceeded my expectations
3.4: exceeded expectations | can't recommend enough | cannot recommend enough | couldn't be happier | could not be happier | over the moon
3.2: five stars | 5 stars | 5 star | highly recommend | highly recommended | must have | must-have | game changer | a game changer
3.0: top notch | top-notch | second to none | above and beyond | went above and beyond | blown away | hands down | love it | love this
2.8: customer for life | will buy again | would buy again | buy again | will order again | would order again | ordering again | lives up to
2.6: great value | good value | value for money | great deal | good deal | well worth | well made | well built | well designed | well packaged
2.4: as described | as advertised | as pictured | exactly as described | true to size | fits perfectly | four stars | 4 stars | does the trick
2.2: on time | ahead of schedule | arrived early | came early | right on time | in perfect condition | good condition | perfect condition
2.0: no complaints | no issues | no problems | no problem | no regrets | not disappointed | can't complain | cannot complain | can't fault
2.0: does the job | does what it says | does what it should | gets the job done | did the job | happy camper | easy to use | easy to set up
1.6: not bad | not too bad | pretty good | fairly good | quite good | a breeze | piece of cake | user friendly | up and running
0.0: would like to | like to | feel like | looks like | seems like
-1.5: at best | at most
1.2: three stars | 3 stars | three star | it's fine | it is fine | for a budget | budget option
-2.6: thanks for nothing | so done | never ordering | never buying | not a fan of | not a fan
-2.0: leaves much to be desired | much to be desired | anything but | not what it used to be | isn't what it used to be
-1.6: unintended consequences | little effect | no effect
2.8: killing it | killed it | hits different | on point | chef's kiss
2.0: not too shabby | not shabby | well organised | well organized
"""

EMOTICONS = r"""
2.2: :) :-) (: =) :] :} :> ^_^ ^^ (^_^) :o)
3.0: :D :-D =D xD XD :P :-P ;) ;-) <3 <33 <333 :* :-*
-2.2: :( :-( ): =( :[ :{ :/ :-/ :\ :-\ :| -_- >:( >:-( :'( :,( D: ;( ;-( </3
"""

EMOJI = r"""
3.0: 😍 🥰 😻 💯 🔥 🤩 🥳 ❤ ❤️ 💖 💕 💗 💓 💞 💘 💝 😘 🏆 🌟 ⭐ ✨ 🙌
2.4: 😀 😃 😄 😁 😆 😊 ☺ 🙂 😉 😎 😂 🤣 😋 👍 👏 👌 🎉 🎊 💪 ✅ 🙏 🤗 😇 😌 😸 💚 💙 💜 🧡 💛
-3.0: 😡 🤬 😠 💩 🤮 🤢 👿 😤 🖕 💔
-2.4: 😞 😟 😢 😭 😩 😫 😒 😕 🙁 ☹ 😣 😖 😔 👎 ❌ 😱 😨 😰 🤦 😑 🙄 😬
0.0: 🤔 😐 😶 🤷
"""


def verb_forms(w):
    if w.endswith("e"):
        return [w, w + "s", w + "d", w[:-1] + "ing"]
    if w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        return [w, w[:-1] + "ies", w[:-1] + "ied", w + "ing"]
    return [w, w + "s", w + "ed", w + "ing"]


def adverb(w):
    if w.endswith("y"):
        return w[:-1] + "ily"
    if w.endswith("le"):
        return w[:-1] + "y"
    if w.endswith("ic"):
        return w + "ally"
    return w + "ly"


def expand(token):
    m = re.match(r"^(.+?)(/[van])?(!(-?[0-9.]+))?$", token)
    word, marker, neg = m.group(1), m.group(2), m.group(4)
    if marker == "/v":
        forms = verb_forms(word)
    elif marker == "/a":
        forms = [word, adverb(word)]
    elif marker == "/n":
        forms = [word, word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")]
    else:
        forms = [word]
    return [(f.replace("-", " ") if " " not in f and f.count("-") and f not in KEEP_HYPHEN else f, neg)
            for f in forms]


KEEP_HYPHEN = set()  # hyphenated forms become phrases: the tokenizer splits on hyphens


def typos(word):
    out = set()
    for i in range(len(word) - 1):
        if word[i] == word[i + 1] and word[i].isalpha():
            out.add(word[:i] + word[i + 1:])
    if "ie" in word:
        out.add(word.replace("ie", "ei", 1))
    if "ei" in word:
        out.add(word.replace("ei", "ie", 1))
    return {t for t in out if len(t) >= 5}


def parse_block(block, entries, split_phrases):
    for line in block.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        val, rest = line.split(":", 1) if not line.startswith(":") else (None, None)
        valence = float(val)
        items = [p.strip() for p in rest.split("|")] if split_phrases else rest.split()
        for item in items:
            if not item:
                continue
            for form, neg in (expand(item) if not split_phrases else [(item, None)]):
                entries.setdefault(form.lower() if not is_symbol(form) else form, (valence, neg))


def is_symbol(s):
    return not any(c.isalpha() for c in s) or s in ("xD", "XD", ":D", ":P", "D:")


def parse_symbols(block, entries):
    for line in block.strip().splitlines():
        val, rest = line.split(": ", 1)
        for sym in rest.split():
            entries.setdefault(sym, (float(val), None))


def main():
    entries = {}
    parse_block(FAMILIES, entries, False)
    parse_block(PHRASES, entries, True)
    parse_symbols(EMOTICONS, entries)
    parse_symbols(EMOJI, entries)
    for word, (val, neg) in list(entries.items()):
        if abs(val) >= 2.0 and word.isalpha():
            for t in typos(word):
                entries.setdefault(t, (val, neg))
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "assets", "lexicon.tsv")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# custintel sentiment lexicon: term, valence (-4..+4), valence when negated (optional).\n")
        f.write("# Generated by src/text/tools/make_lexicon.py from hand-valenced word families.\n")
        for term in sorted(entries):
            val, neg = entries[term]
            f.write(f"{term}\t{val:g}" + (f"\t{float(neg):g}" if neg is not None else "") + "\n")
    print(f"{len(entries)} entries -> {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
