"""Offline inbound-email classifier: `classify_email(InboundEmail) -> Classification`.

Owns the nine categories of DESIGN.md section 7 and the extraction the email flows need
(out-of-office return date, referred person, proposed meeting times). Rules read the NEW
part of the message (never the quoted thread); the subject is a weaker signal. Each cue has
a weight (strong ≈ 0.9, medium ≈ 0.75, weak ≈ 0.6, supporting < 0.5); categories are chosen
by precedence (unsubscribe > out_of_office > referral > not_interested > meeting_request /
proposal_request > needs_response > interested > fyi) unless a later one is clearly
stronger, and the confidence comes from the evidence, its agreement and its conflicts.
Email text is data: instructions inside a message never change what this module does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from skills.email_parse import InboundEmail
from skills.vocabulary import EMAIL_CATEGORIES, EmailCategory

Category = EmailCategory
CATEGORIES: Final[tuple[Category, ...]] = EMAIL_CATEGORIES
PRECEDENCE: Final[tuple[Category, ...]] = (
    "unsubscribe",
    "out_of_office",
    "referral",
    "not_interested",
    "meeting_request",
    "proposal_request",
    "needs_response",
    "interested",
    "fyi",
)
THRESHOLD = 0.55
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class Classification:
    """The category, a calibrated confidence, the phrase that decided it, extracted data."""

    category: Category
    confidence: float
    evidence: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Cue:
    category: Category
    pattern: re.Pattern[str]
    weight: float
    negatable: bool = True
    conditional_skip: bool = False
    # literal strings one of which must occur for the pattern to match (None: always run)
    anchors: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class _Hit:
    category: Category
    weight: float
    start: int
    end: int
    question: bool = False


def _split_top(src: str, sep: str = "|") -> list[str]:
    """Split a regex source on `sep` outside groups and character classes."""
    parts: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(src[start:i])
            start = i + 1
        i += 1
    parts.append(src[start:])
    return parts


def _literal_prefix(src: str) -> str:
    m = re.match(r"[a-z0-9 ']+", src)
    if not m:
        return ""
    lit = m.group(0)
    if src[len(lit) : len(lit) + 1] in ("?", "*", "{"):
        lit = lit[:-1]  # the last character is optional
    return lit if len(lit.strip()) >= 2 else ""


def _anchors(src: str) -> tuple[str, ...] | None:
    """Literals one of which every match must contain, read conservatively from the source;
    None when the pattern is not simple enough to be sure."""
    branches = _split_top(src)
    if len(branches) > 1:
        found: list[str] = []
        for branch in branches:
            sub = _anchors(branch)
            if sub is None:
                return None
            found.extend(sub)
        return tuple(found)
    rest = src.removeprefix("\\b")
    if rest.startswith("("):
        depth, end = 0, 0
        while end < len(rest):
            depth += rest[end] == "("
            depth -= rest[end] == ")"
            if depth == 0:
                break
            end += 1
        inner, after = rest[1:end], rest[end + 1 :]
        if after[:1] in ("?", "*", "{") or inner.startswith("?") or "\\" in inner:
            return None
        alternatives = [_literal_prefix(a) for a in _split_top(inner)]
        return tuple(alternatives) if all(alternatives) else None
    lit = _literal_prefix(rest)
    return (lit,) if lit else None


def _cues(category: Category, weight: float, *patterns: str, **kw: bool) -> list[_Cue]:
    return [_Cue(category, re.compile(p), weight, anchors=_anchors(p), **kw) for p in patterns]


_WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MEET_NOUN = (
    r"(?:call|calls|meeting|meet|chat|demo|time|minutes|mins|min|hour|session|walk-?through|"
    r"conversation|zoom|teams|catch[- ]?up|sync|intro|slot|coffee|lunch|\d{2} ?min)"
)
_ME_US = r"(?:me|us)"
# "added them in the admin console / as users": accounts set up in a product, not a hand-over
_IN_PRODUCT = (
    r"(?! (in|into|to|on|as|onto) (the |our |your |a |an |their )?(admin|console|system|platform|"
    r"account|workspace|tool|app|crm|dashboard|seats?|users?|licen[cs]es?|portal|org|instance|"
    r"sixty|directory|sso|roster|plan|subscription|billing|group|settings)\b)"
)
# "no need to update the sheet / to reply": an instruction about the answer, not a decline
_CHORE = (
    r"(?:respond|reply|answer|get back|do anything|act|worry|acknowledge|thank|apologi[sz]e|"
    r"update|fill|complete|redo|re-?do|rewrite|re-?write|reformat|re-?send|attach|print|rush|hurry|"
    r"edit|format|convert|re-?submit|re-?upload|upload|scan|check back|confirm)"
)

# what someone asks for when they are curious rather than in need: "send me more info"
_INFO_OBJECT = (
    r"(?! (me |us |over |across )?(some |any |a bit of |a little |the |a |an |your )?(more |short |"
    r"quick )?(info|information|details|deets|materials|deck|case stud|one[- ]pager|brochure|overview|"
    r"summary|customer stor|success stor|examples|references|resources|material|reading))"
)

_CUES: list[_Cue] = [
    # ---- unsubscribe
    *_cues(
        "unsubscribe",
        0.95,
        r"^\W*((please|pls|plz|kindly)\W+)?(unsubscribe|remove|opt[ -]?out|stop)( me| us)?\W*"
        r"(please|pls|plz|thanks|thank you|now|asap)?\W*$",
        r"\basked (you )?(\w+ ){0,3}to (stop|remove|unsubscribe)\b",
        r"\bunsubscribe (me|us)\b",
        r"\b(please|pls|kindly) unsubscribe\b",
        r"\b(want|would like|'d like|wish|need) to (unsubscribe|opt[ -]?out)\b",
        r"\b(remove|take|delete|drop|exclude|strike|scrub) (me|us|my (e-?mail|address|name|details|"
        r"contact( info(rmation)?)?)|this (e-?mail|address)|(all )?(of )?(our|my) (staff|team|people|"
        r"employees|company|organi[sz]ation|domain|addresses|colleagues))( \w+){0,2} (from|off) "
        r"(your|the|this|all|any|these)\b",
        r"\btake (me|us) off\b",
        r"\bcease and desist (from )?(sending|contacting|e-?mailing|messaging|all|any)\b",
        r"\b(cease|stop|end|halt)( and desist)? (all |any |further |all further )?(marketing |sales |"
        r"promotional |commercial |unsolicited )?(contact|communications?|"
        r"correspondence|outreach|e-?mails)\b",
        # the machinery of outreach: "stop the automated sequence", "end this drip campaign"
        r"(?<!how to )(?<!how do i )(?<!how do we )(?<!how can i )(?<!how can we )"
        r"\b(stop|end|halt|cancel|pause|kill)( and desist)? (the |this |your |these |all |any )?"
        r"(automated |automatic |marketing |sales |e-?mail |follow-?up )*(sequences?|cadences?|drips?|"
        r"drip campaigns?|nurture( campaign| track| emails)?|follow-?ups|follow-?up e-?mails|"
        r"automated (e-?mails|messages))\b",
        r"\bremove( me| us)? (from|off) (the|your|this|all|any)( [\w-]+)? (list|lists|mailing|e-?mails|"
        r"database|crm|sequence|sequences)\b|^\W*remove from (the |your |this )?list\b",
        r"\boff (this|your|the|all|these|any) (\w+ )?(lists?|mailing lists?|distribution( list)?|"
        r"sequences?|cadences?|campaigns?)\b",
        r"\b(be|get|been|being) (removed|taken off|unsubscribed|deleted)( from| off)? (your|the|"
        r"this|all|any|these)\b",
        r"\bstop (e-?mailing|contacting|messaging|spamming|sending (me|us)|writing to|reaching out to|"
        r"bothering|pestering|harassing)( me| us)?\b",
        r"\b(do not|don't|dont|never|no longer) (e-?mail|contact|message|spam|write to|reach out to) "
        r"(me|us|this (address|e-?mail|e-?mail address|account|inbox))( again| anymore| any more| "
        r"ever again| further| in the future)\b",
        negatable=False,
    ),
    *_cues(
        "unsubscribe",
        0.85,
        r"\bopt (me|us) out\b",
        r"\bi('d| would)? (like to )?opt[ -]?out\b",
        r"(?<!to )(?<!click here to )(?<!link to )\bunsubscribe\b(?! (link|here|button|at any time"
        r"|from (this|these|our) (list|emails|mailings)|my (colleague|team|boss|manager|assistant)|"
        r"our (team|colleague|\w+ team)|him|her|them|[\w.+-]+@))",
        r"\b(delete|erase|remove|purge|wipe) (all )?(of )?(my|our|the|any)( personal| contact)? "
        r"(data|details|information|info|records)( (you|that you) (hold|have|store|keep))?\b"
        r"(?! (is|are|was|were) )",
        r"\b(right to (erasure|be forgotten)|erasure request|request (for )?erasure|data (erasure|"
        r"deletion) request|(gdpr|ccpa|privacy) (deletion|erasure|removal) request)\b",
        r"\b(remove|take|delete|drop|exclude|strike|scrub) [\w.+'-]+@[\w-]+(\.[\w-]+)+ (from|off)\b",
        r"\bremove me\b",
        r"(^|[.!?\n]\s*)(stop|enough)[.!]*$",
        r"(^|[.!?\n]\s*)(please |pls )?(just )?stop( it| this| now| please)*[.!]",
        r"\bremove (my|this) (e-?mail|address|e-?mail address|details|name|contact)\b",
        r"\bno (more|further) (marketing |sales |promotional |unsolicited )?(e-?mails|messages|"
        r"contact|follow[- ]?ups|outreach|communications?|correspondence|solicitations?)\b",
        r"\b(do not|don't|no longer) (wish|want) to (receive|get|hear)\b",
        negatable=False,
    ),
    *_cues(
        "unsubscribe",
        0.65,
        r"\b(do not|don't|dont) (e-?mail|contact|message|spam) (me|us)\b",
        r"\bleave (me|us) alone\b",
        r"\b(this is|this is clearly|pure|more) spam\b",
        negatable=False,
    ),
    *_cues(
        "unsubscribe",
        0.45,
        r"\b(never|didn't|did not) (signed|sign) up\b",
        r"\bhow did you get my (e-?mail|address|details|contact|number)\b",
        r"\bgdpr\b",
        negatable=False,
    ),
    # ---- out of office (body cues; headers and subject are weighed in `_ooo_score`)
    *_cues(
        "out_of_office",
        0.9,
        r"\bout of (the )?office\b",
        r"\b(on|in) (annual|parental|maternity|paternity|sick|medical|bereavement|study|family|"
        r"personal|extended|garden) leave\b",
        r"\b(limited|no|intermittent|sporadic|restricted|minimal|reduced|occasional) access to "
        r"(my )?(e-?mails?|inbox|phone|laptop|the internet)\b",
        r"\b(respond|reply|get back to you|be in touch|answer|follow up)( to (you|your "
        r"(e-?mail|message)))?( as soon as possible| asap| promptly| shortly)? (upon|on|after|when)"
        r" (my return|i('m| am) back|i return|returning|i get back|we (reopen|re-open|return|are back|"
        r"'re back|get back)|(the|our) offices? (reopens?|re-opens?))\b",
        r"\bupon my return\b",
        r"\b(no|limited|intermittent|patchy|spotty|poor) (connectivity|signal|wi-?fi|internet|"
        r"reception)\b",
        r"\b(reply|respond|get back to you) (when|once) i (land|return|get back|am back|'m back)\b",
        r"\bon (honeymoon|vacation|holiday|holidays|a trip|a business trip|the road|a break)\b",
        r"\bnot (reading|checking|monitoring|responding to) (my )?(e-?mails?|messages|inbox)\b",
        r"\baway from (my desk|the office|e-?mail|my computer|my inbox)\b",
        r"\b(on|while on) (leave|pto|sabbatical)\b",
        r"\bin my absence\b",
        r"\bautomatic(ally generated)? (reply|response)\b",
        r"\bauto[- ]?(reply|response)\b",
        r"\b(responses?|replies) (will|may|might) be delayed\b",
        r"\bchecking (my )?e-?mails? (only )?(occasionally|intermittently|sporadically|"
        r"periodically|infrequently|rarely|irregularly|once a day)\b",
        conditional_skip=True,
    ),
    *_cues(
        "out_of_office",
        0.8,
        r"\booo\b",
        r"\b(i am|i'm|i will be|i'll be|currently) (currently )?(away|out|off|on (vacation|holiday|"
        r"holidays|pto|sabbatical|annual leave|a business trip|leave)|travel+ing|offline|out sick)"
        r"\b(?! (of|to|for|with) (the )?(budget|options|ideas|date|question))",
        r"\b(back|return(ing)?) (in|to) the office\b",
        r"\bdelayed (response|reply)\b",
        conditional_skip=True,
    ),
    *_cues(
        "out_of_office",
        0.6,
        r"\b(i('ll| will) be|i am|i'm) back (on|in|from|at|by|after|the)\b",
        r"\bwhen i('m| am) back\b",
        r"\bi (will )?return (on|to|the)\b",
        r"\bi('m| am) returning\b",
        conditional_skip=True,
    ),
    *_cues(
        # a closure notice: supporting only, a person may mention it in passing
        "out_of_office",
        0.45,
        r"\b(office|offices|we|we're|we are|our (team|company|business|shop|site|plant)) (is |are |"
        r"will be |'ll be |remain |are currently )?(closed|shut) (for|from|until|till|through|over|"
        r"during|between)\b",
        r"\b(when|once|after) (we|the office|our offices?) (reopen|re-open|return|are back|get back)\b",
        r"\b(holiday|christmas|seasonal|summer|winter|year[- ]end|festive|company[- ]wide) (closure|"
        r"shutdown|shut-down|break)\b",
        conditional_skip=True,
    ),
    *_cues(
        "out_of_office",
        0.4,
        r"\bthank(s| you) for your (e-?mail|message|note)\b",
        r"\bfor (urgent|immediate|pressing|time[- ]sensitive) (matters|issues|requests|inquiries|"
        r"enquiries|questions|assistance|support)\b",
        negatable=False,
    ),
    # ---- referral
    *_cues(
        "referral",
        0.9,
        r"\bnot (be )?the (right|best|correct|appropriate|relevant|ideal) (person|contact|one|"
        r"point of contact|person to (talk|speak) to)\b",
        r"\bwrong (person|contact|guy|department)\b",
        r"\b(cc'?d|cc'?ing|copied|copying|looped in|looping in|looping|loop|adding|added|"
        r"introducing|introduced)( in)? (him|her|them|my (colleague|manager|boss|team ?mate|"
        r"counterpart)|our (\w+ ){0,3}(lead|head|manager|director|vp|team|colleague|owner|person|"
        r"department|cto|ceo|cfo|coo|cro|ciso|cio))\b" + _IN_PRODUCT,
        r"\b(forwarding|forwarded|forward|passing|passed|pass|directing|redirecting)( this| it| "
        r"your (e-?mail|note|message|request|email))?( (on|along|over))? to (him|her|them|my "
        r"(colleague|manager|boss|team ?mate|counterpart)|our (\w+ ){0,3}(lead|head|manager|"
        r"director|vp|team|colleague|owner|person|department|cto|ceo|cfo|coo|cro|ciso|cio))\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "referral",
        0.75,
        r"\b(you('ll| will| would| may| might)? (want|need|wish) to|you (should|could|may want to|"
        r"might want to|'d be better off)|(please|best to|better to|i'd suggest you|i suggest you|"
        r"i'd recommend you|i recommend you)) (speak|talk|reach out|get in touch|connect|contact|"
        r"e-?mail|chat|follow up|go(?! ahead| for it| back))( (with|to))? (?!me\b|us\b|him\b|her\b)",
        r"\b(reach out to|contact|speak (to|with)|talk (to|with)|e-?mail|connect with) (my|our) "
        r"(colleague|counterpart|manager|boss|head|vp|director|cto|ceo|cfo|coo|cro|ciso|cio|"
        r"team|lead|procurement|it|finance|legal|purchasing|ops|revops|sales ops)\b",
        r"\b(better|best|right|correct) (person|contact|someone|point of contact)( for this)? "
        r"(to|would be|is|for|will be)\b",
        r"\b(i've|i have|i) (left|moved|switched|transferred)( over| across)? (to |the |"
        r"teams|departments|companies|into)",
        r"\b(no longer|not) (with|at|working (at|for|with)|employed (at|by)) (the company|\w+)\b",
        r"\b(has|have) (left|moved on from) (the company|\w+)\b",
        # someone else now owns it: "Kim left the company, her replacement is...", "Leah took
        # that over", "I'm no longer responsible for sales tools"
        r"\b(left|departed) (the company|the business|the firm|the organi[sz]ation|the team|us)\b",
        r"\b(his|her|their|my) (replacement|successor)\b",
        r"\b(took|has taken|have taken|is taking|taken) (that|this|it|those|these) over\b|\btook over "
        r"(from me|that|this|my|the)\b",
        r"\b(no longer|not) (responsible|in charge|the owner|handling|looking after|the one "
        r"(handling|looking after|responsible))\b( for (this|that|it|sales|tool|software|the|our|"
        r"vendor|crm|purchas|buying)|(?=\W))",
        r"\bnot (my|in my) (area|department|remit|wheelhouse|responsibility|domain)\b",
        r"\b(isn't|is not|no longer) (really )?(mine|my (area|responsibility|call|decision|"
        r"department|remit|project))\b",
        r"\b(took|has taken|have taken|is taking|taking|will take) over\b",
        r"\b(i'd suggest|i suggest|i'd recommend|i recommend|suggest|recommend) (you )?(e-?mailing|"
        r"contacting|reaching out|speaking|talking|getting in touch|connecting|ping(ing)?)\b",
        r"\bnot the (decision[- ]?maker|owner|buyer|budget holder|one (who|that) (decides|makes|"
        r"handles|owns))\b",
        r"\b(better|best) placed\b",
        r"\b(rather than|instead of) (me|myself)\b",
        r"\bwill (own|handle|manage|look after|take over|be responsible for|run|lead) (this|it|that)\b",
        r"\b(stepping down|leaving the company|my last day)\b",
        r"\b(is|are) (owned|handled|managed|run|decided|covered|led) by\b",
        r"\b(decisions?|purchases?|purchasing|requests?|this|these|approvals?) (go|goes|have to go|has "
        r"to go|must go|run|runs|sits?) (through|with)\b",
        r"\bnot (involved|responsible|in charge)( in| with| for)? (that|this|the)\b",
        r"\b(handles|owns|runs|manages|looks after|is responsible for|takes care of|covers) (it|"
        r"this|that|these|those)( now)?\b",
        r"\bthe (person|people|one|team|contact) (you want|you need|you should (talk|speak) (to|"
        r"with)|to (talk|speak) (to|with))\b",
        r"\b(reach out to|contact|speak (to|with)|talk (to|with)|e-?mail|connect with|write to) "
        r"(procurement|purchasing|legal|finance|hr|security|ops|sales ops|revops|the (procurement|"
        r"purchasing|legal|finance|it|security|sales) team)\b",
        r"\b(hand(ed|ing)?|pass(ed|ing)?|forward(ed|ing)?|refer(red|ring)?|direct(ed|ing)?|"
        r"redirect(ed|ing)?) (this|it|you|your (note|email|e-mail|message|request|enquiry|inquiry)|"
        r"(these|such|any|all) (questions|requests|emails|enquiries|inquiries|queries))"
        r"( over| on| along)? to (?=my |our |him|her|them|the (right|best|relevant)|[\w.+-]+@)",
        r"\bnot my (call|decision|department|area|remit|responsibility|budget|project)\b",
        r"\bloop(ing|ed)? (him|her|them) in\b",
        r"\b(that's|that is|this is|it's|it is) (a question|one|something|a topic|a request) for "
        r"(?!you\b|me\b)",
        r"\b(connect|introduce|put) you (in touch )?(with|to)\b",
        r"\b(makes?|owns?) (these|the|those|all|such|that|this) (decisions?|calls?|purchases?)\b",
        r"\btry (reaching out to|contacting|e-?mailing|talking to|speaking (to|with)|asking|"
        r"calling)\b",
        r"\b(would be|is|will be) the (one|person|people|team|right contact) to (talk|speak|reach "
        r"out|get in touch|go)( to| with)?\b",
        r"\bnow (leads|runs|owns|handles|manages|heads|looks after|is responsible for)\b",
        r"\b(he|she|they)('s| is|'re| are|'d be| would be|'ll be| will be) (really |actually |probably "
        r")?the (decision[- ]?maker|right (person|contact|one)|(one|person|people|ones) (who|that)('d|"
        r" would| will| can)? (decides?|makes?|handles?|owns?|signs?|approves?|chooses?|calls? the "
        r"shots|be deciding))\b",
        r"\b(i'm|i am|i've|i have) (mostly |semi-|now |basically |largely |since )?(retired|"
        r"stepped back|stepped away)\b",
        r"\b(more|better) (like )?(something|suited|one) for (our|my|the)\b",
        r"\b(i'll|i will|i've|i have|i'm|i am|will|happy to) (pass|passed|passing|forward|"
        r"forwarded|forwarding|share|shared|sharing|send|sent|sending) (on )?(your|this|the|it)"
        r"( (contact )?(details|info|information|email|e-mail|note|message|contact|request|name))?"
        r"( on| along| over)? (to|with) (him|her|them|someone who|(my|our) ([\w-]+ ){0,2}(colleague|"
        r"manager|boss|head|vp|director|lead|cto|ceo|cfo|coo|cro|cio|ciso|counterpart|owner|"
        r"buyer|team ?mate))\b",
        r"\b(retired|resigned|moved on) (from|last|earlier|in)\b",
        r"\b(contact|reach out to|e-?mail|speak to|talk to) \S+( \S+)? instead\b",
        r"\b(don't|do not) (handle|own|manage|look after|make (the )?decisions (on|about)) "
        r"(this|that|these|tooling|purchasing|vendor)\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "referral",
        0.6,
        r"\b(decides|makes the call|signs off|has the final say) (on|about)\b",
        r"\b(he|she|they) (handles?|owns?|looks? after|manages?|runs?|is responsible for|"
        r"are responsible for|is in charge of|takes care of|makes? (the )?decisions)\b",
        r"\b(his|her|their) (e-?mail|e-?mail address|address|direct line|number|contact details) "
        r"(is|are)\b",
        r"(?<!\? )\bwho (handles|owns|looks after|manages|runs|is responsible for|is in charge of|"
        r"takes care of|makes (the )?decisions)\b[^?]*$",
        negatable=False,
    ),
    # ---- not interested
    *_cues(
        "not_interested",
        0.9,
        r"\bnot (really |currently |particularly |at all |that |too |very )?interested\b",
        r"\bno longer interested\b",
        r"\b(signed|agreed|renewed|extended|committed)( [\w-]+){0,4} with (another|a different|a "
        r"competitor|an ?other|our (current|existing)|a competing)\b",
        r"\b(went|gone|go|going|decided to go|chose|chosen|selected|picked|signed|partnered|"
        r"moving forward) with (another|a different|an ?other|a competing|a competitor|one of "
        r"your competitors|someone else|a different)\b",
        r"\bnot (a |the )?(good |great |strong |right |perfect |best )?fit\b",
        r"\b(isn't|is not|not) (a |the )?(top |high )?priority\b",
        r"\bno(,)? thanks\b|\bno(,)? thank you\b|\bthanks,? but no\b",
        r"\b(we'll|we will|i'll|i will|going to|have to|must|we'd|i'd|gonna|we're going to) pass"
        r"\b(?! (your|this|it|that|along|these|those|them|him|her|my|our|the)\b)",
        r"\bpass (on this|for now|this time|on it)\b(?! (on |along )?to\b)",
        r"\bno need to (follow[- ]?up|reach out|meet|call|schedule|continue|send|chase|check in|"
        r"keep|get in touch|talk|speak|set up|book|contact)\b",
        r"\bclose (out )?(the|this|our|my) (file|opportunity|deal|record|loop on this)\b",
        r"\bnot (moving|going) forward\b|\bwon't be (moving|going) forward\b",
        r"\b(decided|chosen|opted|elected) (not to|against)\b",
        r"\b(won't|will not|aren't going to|are not going to) (be )?(continu(e|ing)|renew(ing)?)\b",
        # tied up elsewhere: "we just signed a 2-year deal with Gong", "locked into a contract"
        r"\b(just|recently|already|have|we've) (signed|renewed|committed to|locked (in|into)) (a |an )?"
        r"([\w-]+ ){0,3}(deal|contract|agreement|renewal) with\b",
        r"\b(locked|tied) (in|into|up in) (a |an )?([\w-]+ ){0,3}(contract|deal|agreement)\b",
        # ending a trial: "decided to stop the trial", "we'll let the pilot lapse"
        r"\b(decided|going|chosen|opted|have|need|want) to (stop|end|cancel|wind down|discontinue|"
        r"not continue|not extend|not convert) (the |our |this )?(trial|pilot|evaluation|poc|proof "
        r"of concept)\b",
        r"\blet (it|the trial|the pilot|the evaluation|the subscription|the licen[cs]es?) (lapse|"
        r"expire|run out)\b",
        r"\b(proposal|bid|tender|submission|quote|quotation|response) (has |have |was |were |is )?"
        r"(not|not been) (shortlisted|selected|chosen|successful|taken forward|progressed)\b",
        # the outcome of a tender or bid: "has not been successful", "awarded to another"
        r"\b(has|have|was|were) (not been|been un)successful\b|\bunsuccessful on this occasion\b",
        r"\b(awarded|given) (the (contract|tender|bid|business|work) )?to (another|a different|an "
        r"?other|a competing|one of your competitors)\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "not_interested",
        0.8,
        r"\b(no|don't have|do not have|haven't got|zero|lack|without) (the |a |any )?budget\b",
        r"\bbudget (is|was|has been|got|'s been) (cut|frozen|slashed|gone|spent|allocated|"
        r"reallocated|tight|exhausted)\b",
        r"\b(built|build|building|developed|develop) (something|our own|it|this|a tool|one|a "
        r"solution)( \w+)? in[- ]house\b",
        r"\b(happy|satisfied|content|all set|sticking) with (our|what we|the current|our current|"
        r"the existing|our existing|the tool|the vendor|our vendor|our provider)\b",
        r"\b(don't|do not|doesn't|won't|wouldn't) (really )?(need|want|require) (a |an |another |"
        r"any |your )?(demo|call|meeting|proposal|quote|solution|tool|product|service|this|it)\b",
        r"\bnot (looking|in the market) for\b",
        r"\bnot something (we|i)('re| are| am)? (need|needs|looking|interested|considering|pursuing"
        r"|going)\b",
        r"\bno (interest|need for)\b",
        r"\bnot for (us|me)\b",
        r"\b(please )?(don't|do not) (follow[- ]?up|chase|check in|bother)\b",
        r"\bnot (the |a )?(right|good|great|ideal) (time|timing|moment)\b",
        r"\b(timing|timeline) (isn't|is not|doesn't|does not) (right|work)\b",
        r"\b(put|putting|placed|placing|are|is|be)( [\w-]+){0,3}? on (hold|pause|ice)\b",
        r"\bpaus(e|ed|ing) (this|it|the (project|evaluation|search|initiative)|our (evaluation|"
        r"search)|all|any)\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "not_interested",
        0.8,
        r"\b(hold|holding|held) off\b",
        r"\b(got|have|has) (this|it|that|everything|things) covered\b",
        r"\b(going|go|went|stay|staying|stick|sticking) with (the|our) (incumbent|current|existing)\b",
        r"\b(going|go|went|gone|stay|staying|keep it|keeping it) in[- ]house\b",
        r"\b(won't|will not|wouldn't|isn't|is not|no longer) (be )?(relevant|applicable|useful|needed)\b",
        r"\balready (have|use|got|own|run) (something|a tool|a solution|one|a system|a vendor|a "
        r"platform|a product)( that| which| for| like| in place)\b",
        r"\b(don't|do not|no need to) send (any more|anymore|more|further|another)\b",
        r"\b(don't|do not|no|not enough|lack( the)?) (have )?(the )?(bandwidth|capacity|resources|"
        r"headcount|appetite)\b",
        r"\b(locked|tied) in(to)? (a|an|our)\b",
        r"\bnothing to discuss\b",
        r"\b(isn't|is not|not) something (we|i) (need|want|require)\b",
        r"\b(go|going|gone|went|chosen to go|decided to go|move|moving|head|heading|taken|take|took) "
        r"(in )?a different (direction|way|route|path|approach)\b",
        r"\bsit (this|it) (one )?out\b|\bgive (this|it) a miss\b",
        r"\brules? out\b",
        r"\b(frozen|froze|freeze|paused|pausing|cut|cutting) (all |any )?(new )?(software |tool |"
        r"vendor |tech )?(spend|spending|purchases|budgets?|buying|hiring)\b",
        r"\b(have|need|going|got) to (say no|decline|pass)\b|\b(say|saying) no (for now|to this)\b",
        r"\b(stay|staying|stick|sticking|remain|remaining) with\b",
        r"\bnot (currently |really )?(looking|in the market) (at|for|to)\b",
        r"\bnot (buying|purchasing|a buyer)\b",
        r"\bno (longer )?(a |any )?need (for|to|anymore)\b(?! "
        + _CHORE
        + r")|\bno longer (a )?need\b",
        r"\b(cancell?ed|scrapped|killed|dropped|shelved|paused) (the|this|our) (project|"
        r"initiative|search|evaluation|rfp|rollout|plans?)\b",
        r"\bstop (following up|chasing|checking in)\b",
        r"\bnot (going|planning|looking|about) to (move forward|proceed|pursue|go ahead|buy|purchase|"
        r"prioriti[sz]e|"
        r"renew|switch|change|try|invest|add|adopt|bother|take this further|take it further)\b",
        r"\bwon't be (pursuing|proceeding|purchasing|buying|renewing|moving ahead|switching|"
        r"continuing)\b|\bnot (be )?renewing\b",
        r"\b(shelved|deprioriti[sz]ed|on ice|parked|postponed indefinitely)\b",
        r"\bnot (at|for) (this time|the moment|now)\b|\bnot right now\b|\bnot now\b",
        r"\b(we're|we are|i'm|i am) (going to |gonna )?(decline|declining)\b",
        r"\b(decisions?|purchases?|purchasing|spend|spending|budgets?|procurement|buying|projects?|"
        r"initiatives?|evaluations?|onboarding of new vendors) (are|is|have been|has been|were|was|"
        r"remain|remains|will be|'s been|'re) (all |currently |now )?(frozen|on hold|paused|"
        r"suspended|on ice|off the table)\b",
        r"\bnot something (we|i)('re| are| am)? (can|could|are able to|am able to|have (the )?(time|"
        r"room|capacity) to|will|would|'ll|'d) (look at|consider|take on|pursue|prioriti[sz]e|explore"
        r"|entertain|justify|invest in|get into|do)\b",
        r"\balready (use|using|have|work with|rely on|pay for|run|running)\b[^.!?\n]{0,40}\b(happy|"
        r"satisfied|content|pleased)\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "not_interested",
        0.7,
        r"\b(not|isn't|won't|doesn't|don't|do not|does not|will not|never|can't|cannot) (going to |"
        r"really |quite |likely to |currently |seeing )?(work for us|work for me|see the (value|"
        r"point|need|fit|benefit)|a good match|changing|switching|switch|change (vendors|providers|"
        r"tools)|justify|make sense for us|need (this|it|another|a new)|buying|in a position to)\b",
        r"\b(non[- ]?starter|no[- ]go|dead end|deal[- ]?breaker)\b",
        r"\b(build|building|built|develop|developing|do|doing|handle|handling) (this|it|that|"
        r"something|one) (ourselves|myself|in[- ]house|internally)\b",
        r"\b(budget|finances?|funding|money) (won't|will not|doesn't|does not|can't|cannot) "
        r"(allow|stretch|cover|support)\b",
        r"\b(no|zero|little) (real )?(need|interest|appetite|use)( for| in)? (this|it|that|sixty|"
        r"a tool|such)\b|\bzero need\b",
        r"\b(don't|do not) think (this|it|that|sixty)('s| is| would be| will be)? (for us|a (good )?"
        r"fit|right for us|relevant|something (we|i) need)\b",
        r"\b(hiring|spending|budget|vendor|procurement) freeze\b(?! (has |is |was )?(now )?(ended|over|"
        r"lifted|finished|done|gone))",
        r"^\W*(we're|we are|i'm|i am) (good|fine|ok|okay|all good|set)( for now| here)?\W*(thanks|"
        r"thank you|thx|cheers)?\W*$",
        r"\b(hard|firm|polite|respectful) pass\b|(^|[.!?]\s*)(i'll |we'll |i will |we will )?pass\W*$",
        r"\b(not|doesn't|don't|won't|does not|do not|will not) (really |quite )?(fit|align with|match"
        r"|suit)( our| into| with| in| what)\b",
        r"\b(have|got|has) (a |an |something |one |our own )?([\w-]+ )?(solution|tool|system|vendor|"
        r"provider|platform|process) in place\b",
        r"\b(take this as|consider this|this is) a (no|pass|decline|hard no)\b|\ba no for now\b",
        r"\b(chose|chosen|choosing|selected|selecting|picked|went with|going with|ended up with|"
        r"opted for|settled on) (a |an |another )?(different|other|alternative|competing|another) "
        r"(platform|vendor|provider|solution|tool|product|option|partner|company)\b",
        r"\bwon't be (revisiting|reconsidering|looking at|exploring|evaluating)\b",
        r"\b(more than we need|overkill|too (big|expensive|much|complex|pricey|costly) for us|out "
        r"of our (budget|price range)|can't afford)\b",
        r"\bno (plans?|intention|intent|desire) to (switch|change|move|buy|purchase|replace|evaluate|"
        r"look|add|invest)\b",
        r"\balready (use|using|have|work with|rely on|pay for) [\w.-]+( [\w.-]+)? for (this|that|it)\b",
        r"\b(said|told you|answered) no\b",
        r"\bthanks anyway\b|\bthanks all the same\b|\bthanks though\b",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "not_interested",
        0.56,
        # a negative stance towards buying, however phrased: weak, wins only when nothing else does
        r"\b(not|no|don't|doesn't|won't|isn't|aren't|can't|cannot|never|zero|afraid)\b([\s,]+"
        r"[\w'-]+){0,4}?[\s,]+(need|needs|budget|interest|interested|for us|vendors?|tools?|"
        r"solutions?|buy|buying|purchase|purchasing|adding|afford|priority|fit|proceed|move "
        r"forward|moving forward|pursue|switch|switching|change|changing|go ahead)\b(?! to "
        + _CHORE
        + r")",
        negatable=False,
        conditional_skip=True,
    ),
    *_cues(
        "not_interested",
        0.6,
        r"\b(we're|we are|i'm|i am) (all set|covered|good for now)\b",
        r"\b(we're|we are|we've been|i'm|i am) (very |quite |really |perfectly |pretty |more than )?"
        r"(happy|satisfied|content) with (it|them|that|what we (have|use|'ve got))\b",
        r"\balready (have|use|using|work with|signed with|partnered with|chose) (a|an|another)\b",
        r"\bmaybe (next|later this) (year|quarter)\b|\bmaybe later\b",
        r"\bunfortunately\b|\b(we've|we have) made (our|a|the) (final )?decision\b",
        negatable=False,
        conditional_skip=True,
    ),
    # ---- meeting request
    *_cues(
        "meeting_request",
        0.9,
        r"\b(can|could|shall|should|would|may|might|let's|lets|let us|want to|like to|love to|"
        r"happy to|keen to|able to|please|i'd like to|we'd like to) (we |i |you )?(set up|setup|"
        r"schedule|book|arrange|organi[sz]e|find|get|grab|jump on|hop on|have|do|hold|squeeze in|"
        r"put|fit in|line up|pencil in|lock in|nail down|set)( [\w'-]+){0,4}? "
        + _MEET_NOUN
        + r"\b",
        r"\bwhat does your (calendar|availability|schedule|diary|week|day|afternoon|morning) "
        r"(look|looks) like\b",
        r"\bwhen (are|would|will) you (be )?(free|available|around)\b",
        r"\b(jump|hop|get) on (a |the |another )?(quick |short |brief |30[- ]min(ute)? |15[- ]min"
        r"(ute)? )?(call|phone|zoom|teams|meet|video|chat)\b",
        r"\b(i'd|i would|we'd|we would|i'd really|would|i'd be|we'd be) (love|like|be happy|be "
        r"keen|be glad|happy|keen|glad) to (meet|chat|talk|speak|connect|catch up|set up|"
        r"schedule|hop|jump|get together)\b",
        r"\b(see|get|schedule|book|arrange|set up|request|requesting|organi[sz]e|run|give|show)"
        r"( us| me)? (a|the|your) (quick |short |live |brief |product |full |personal(ised|ized)? |"
        r"custom |proper )?demo\b",
    ),
    *_cues(
        "meeting_request",
        0.85,
        r"\b(can|could|shall|should) we (meet|chat|talk|speak|connect|catch up|sync|reconnect)\b",
        r"\blet'?s (meet|chat|talk|speak|connect|catch up|sync|find (a )?time|set (up )?(a )?"
        r"(call|meeting|time)|schedule|book|get (something|time))\b",
        r"\b(what('s| is)|share|send( me)?|let me know) your (availability|calendar|schedule)\b",
        r"\bare you (free|available|around)\b",
        r"\b(do|would) you have (some |any |a bit of )?(time|availability|a (free )?slot|\d+ "
        r"min(ute)?s)\b",
        r"\b(send|share|suggest|propose|offer)( me| us| over)? (a few |some |a couple of |your |any "
        r")?(times|time slots|slots|availability|dates)\b",
        r"\bsend (me |us |over )?(an? |the )?(calendar |meeting |zoom |teams )?(invite|invitation)\b",
        r"\b(calendly|calendar|booking|scheduling) (link|invite|invitation)\b",
        r"\b(i'm|i am|we're|we are|i'll be|we'll be) (free|available|around|open) (on |at |"
        r"next |this |tomorrow|any ?time|between|from|all|" + _WD + r")",
        r"\b(does|would|will|could|is) (" + _WD + r"|tomorrow|next week|this week|the \d+\w*|"
        r"\d{1,2}(:\d\d)? ?(am|pm))( [\w:'-]+){0,5} (work|suit|be ok|be good|be okay|fit)\b",
        r"\b(pick|choose|grab|find|suggest|propose|name|book) (a|any|some|the) (time|slot|day|date)s?"
        r"\b(?! (for|of) (delivery|the (launch|release|go-live)))",
        r"\b(get together|meet up|sit down|catch up)\b",
        r"(^|[.!?\n]\s*)(i'm |i am |we're |we are |i'd be |we'd be |more than )?(happy|glad|keen|"
        r"delighted|would love|love) to (meet|chat|talk|connect|catch up|jump on|hop on|get together|"
        r"set up|find a time|find time)\b(?! (closer to|later|in (the )?(new year|q\d|\w+ months?)|"
        r"next (year|quarter)|once|when|after|down the (line|road)))",
        r"\b(a |the )?(call|meeting|demo|chat|session) (makes sense|sounds (good|great|like a good idea)"
        r"|would be (good|great|helpful|useful|ideal)|works( for (me|us))?)\b",
        r"\breschedule\b|\b(push|move|shift|bump|postpone|delay)( back| out)? (our|the|my|this|"
        r"tomorrow's|today's|\w+day's)( [\w']+)? (call|meeting|demo|session|chat|catch[- ]?up|sync)\b",
        r"\bhow (does|do|is|would|are) ([\w'-]+ ){0,3}(look|looking) (for|to) you\b",
        r"\b(would )?welcome (a|an|the) (\w+[- ]?){0,2}(conversation|call|meeting|chat|demo|"
        r"session)\b",
    ),
    *_cues(
        "meeting_request",
        0.7,
        r"\b(" + _WD + r"|tomorrow|next week)( [\w:'-]+){0,3} (works|would work|is good|suits|"
        r"is perfect|is fine)\b",
        r"\b(time|slot)s? (that )?work(s)? (best )?(for you|best)\b",
        r"\b(a|any|some|the|what|which) (time|times|slot|slots|day|days|date|dates)( that)? (works?|"
        r"suits?)\b",
        r"(?<!we're )(?<!we are )(?<!i'm )(?<!i am )(?<!they're )(?<!they are )(?<!we'll be )"
        r"\b(meet|meeting|call|chat) (up )?(next|this|on " + _WD + r"|tomorrow)\b",
        r"\bdemo request\b",
    ),
    *_cues(
        "meeting_request",
        0.45,
        r"\bon the calendar\b",
        r"\b(30|15|45|60|twenty|thirty|fifteen) ?(minutes|mins|min)\b",
        r"\b" + _WD + r" or " + _WD + r"\b",
        r"\b\d{1,2}(:\d\d)? ?(am|pm)\b",
    ),
    # ---- proposal request
    *_cues(
        "proposal_request",
        0.9,
        r"\b(send|sending|share|provide|put together|pull together|prepare|draft|get|give|forward|"
        r"e-?mail|shoot|see|need|want|request|requesting|update|revise|resend|work up|come back "
        r"with|like|love|after|looking for|ask(ed)? (you )?for)\b([\s,]+[\w'-]+){0,5}?[\s,]+"
        r"(proposal|quote|quotation|pricing|prices|price list|price sheet|estimate|order form|"
        r"contract|sow|statement of work|msa|rate card|cost breakdown|(service|subscription|"
        r"licen[cs]e|master services?) agreement|paperwork|cost)s?\b",
        r"\bhow much (does|would|will|is|do|for|are|would it|does it)\b",
        r"\b(what|how much|any|best|biggest|better) (kind of |sort of |level of )?discount\b",
        r"\b(send|share|forward)( over| across| me| us)* (the|an|your) agreement\b",
        r"\bwhat (does|would|will) (it|this|that|sixty|the [\w-]+( plan| tier| package)?) cost\b",
        r"\bwhat('s| is| are| would be| will be) (the |your )?(price|pricing|cost|costs|rate|rates|"
        r"fee|fees|quote)\b",
    ),
    *_cues(
        "proposal_request",
        0.7,
        r"\bpricing (for|on|options|details|information|info)\b",
        r"\b(ready|want|like|looking) to (sign|buy|purchase|proceed with (the )?(purchase|contract))\b",
    ),
    *_cues(
        "proposal_request",
        0.45,
        r"\b(discount|volume pricing|per[- ](seat|user) (price|cost)|annual (prepay|plan|contract))\b",
        r"\b\d+[- ](seats?|users?|licen[cs]es)\b",
    ),
    # ---- needs response (direct questions are added in `_sentence_hits`)
    *_cues(
        "needs_response",
        0.8,
        r"\b(can|could|would|will) you (please |kindly |also )?(confirm|check|let (me|us) know|"
        r"(send|share)"
        + _INFO_OBJECT
        + r"|clarify|advise|explain|help|look into|fix|update|resend|provide|review|sign|approve|"
        r"tell|walk|add|remove|change|cancel|extend|reset|answer|get back|find|correct|refund|"
        r"issue|process)\b",
        r"\bplease (confirm|check(?! back| in again| in later)|let (me|us) know|(send|share)"
        + _INFO_OBJECT
        + r"|clarify|advise|"
        r"explain|help|look into|fix|update|resend|provide|review|sign|reply|respond|call|get back|find|correct|"
        r"refund|process|cancel)\b",
        r"\bis there (any|a) (way|chance|option|possibility)\b",
        r"\b(i|we) (urgently |really |still )?(need|require|would like|want) (some |your )?(help|"
        r"assistance|support|advice|guidance)\b",
        r"\bi have (a|some|two|three|a few|one|several|a couple of) (quick |follow-up |more )?"
        r"(questions?|concerns?|issues?)\b",
        r"\b(any|an) update (on|about|regarding)\b",
        r"\b(still )?waiting (on|for) (your|the|a|an)\b",
    ),
    *_cues(
        "needs_response",
        0.65,
        r"\b(isn't|is not|aren't|are not|not|stopped|keeps?|won't|doesn't|don't) (working|syncing|"
        r"loading|showing|posting|connecting|updating|sending|saving|appearing|recording|"
        r"work|sync|load|connect|update)\b",
        r"\b(error|bug|broken|fails|failing|crash(es|ed|ing)?|outage)\b",
        # a problem stated without a question: "can't log in", "charged for 30 seats but..."
        r"\b(can't|cannot|can not|unable to|couldn't|could not|not able to) (log ?in|sign ?in|access|"
        r"connect|export|download|upload|reset|see (our|my|the|any))\b",
        r"\b(blank|white|empty) (screen|page)\b",
        r"\b(we were|we've been|i was|i've been|we got|we have been) (charged|billed|invoiced) (for|"
        r"twice|double|two|again)\b",
    ),
    *_cues(
        "needs_response",
        0.6,
        r"\blet (me|us) know\b",
        r"\b(wondering|curious) (if|whether|how|what|when|why)\b(?! (other|similar|smaller|bigger|"
        r"teams|companies|customers|clients|people)\b)",
        r"\b(i|we) (just |really |still |also |only )?(need|require) (you|your|to know|to "
        r"understand|to confirm|an answer|clarity)\b",
        r"\b(i|we) (need|require|would need|'ll need|will need) (a|an|the|to get|to see|some|"
        r"copies|a copy)\b",
        r"\bi'd (like|love) to (know|understand)\b(?!( [\w'-]+){0,6} (more|better)\b)",
    ),
    # ---- interested
    *_cues(
        "interested",
        0.85,
        r"\b(i'm|i am|we're|we are|i'd be|we'd be|we would be|i would be|would be|we might be|i "
        r"might be) (very |really |definitely |quite |certainly |potentially |genuinely |somewhat |"
        r"also |still |actually )?(interested|keen|curious|intrigued|open to (it|this|learning|"
        r"hearing|exploring|a conversation|the idea|a pilot|a trial|trying|piloting|a test|testing"
        r"))\b",
        r"\b(i'd|i would|we'd|we would) (love|like) to (learn|hear|know|see|understand) more\b",
        r"\binterested in (learning|hearing|seeing|knowing|exploring|finding out)\b",
        r"\btell (me|us) more\b|\btell (me|us) (how|about how|what|about what)\b",
    ),
    *_cues(
        "interested",
        0.8,
        r"\b(sounds|looks|seems) (very |really |quite |genuinely )?(interesting|promising|"
        r"intriguing|helpful|valuable|cool|neat|compelling|"
        r"useful|relevant|like (a good|something|it could))\b",
        r"\b(this|that|it) (is|looks|seems|could be|might be|may be|sounds) (very |really |quite |"
        r"pretty |genuinely |definitely |def |actually )?(timely|relevant|interesting|promising|useful|helpful|valuable|exactly what|"
        r"like something|something (we|i)('d)? (really |definitely |badly )?(need|want|could use|"
        r"have been (looking|waiting) for))\b",
        r"\b(send|share|forward)( me| us| over)?( some| any| a bit of)? (more )?(info|information|"
        r"details|deets|materials|collateral|a deck|the deck|a one[- ]pager|case stud(y|ies)|resources|"
        r"literature)\b",
        r"\b(learn|hear|know|understand|see|grasp|read) (a (bit|little|lot) |some |much |even )?(more|"
        r"better)\b(?! (than|off))",
        r"\b(learn|hear|know|understand|see|grasp) (the|your|how|what|about)( [\w'-]+){0,4}? (more|"
        r"better)\b(?! (than|off))",
        r"\b(something|an area|a problem|an issue|a challenge) (we're|we are|we've been|i'm|i am|"
        r"we have been|we've|i've been|i have been) (meaning to |wanting to )?(looking|look|exploring|"
        r"explore|evaluating|struggling|thinking|considering|"
        r"working|trying)\b",
        r"\b(we're|we are|i'm|i am) (currently |actively |already |just )?(exploring|evaluating|"
        r"looking at|researching|assessing|reviewing|comparing|considering) (a few |some |several |a couple of |"
        r"different |various |other |new )?(tools|options|solutions|vendors|"
        r"platforms|this|something|ways|how)\b",
        r"\bwe('ve| have) been (struggling|looking|exploring|thinking about|meaning to|"
        r"evaluating|considering)\b",
        r"\bwhat (kind|sort|type)s? of (results|roi|outcomes|impact|savings|numbers)\b",
        r"\b(100%|definitely|totally|really|absolutely|def|seriously) (need|want) (this|that|it)\b",
        r"\b(yes|yep|yeah|yup|sure|definitely|absolutely|ok|okay)\W{1,3}(very |definitely )?"
        r"interested\b",
        # broad curiosity about how others use it: "curious how other teams use it"
        r"\b(curious|wondering|(like|love) to (know|see|hear)) how (other|similar|smaller|bigger|"
        r"teams|companies|customers|clients|people)( [\w-]+){0,3} (use|do|run|handle|roll|set)\b",
        r"\bmore (info|information|details?|deets) (pls|please|plz)\b|\b(pls|please|plz) (send )?"
        r"more (info|information|details?|deets)\b",
        r"(^|[.!?]\s+)(i |we )?(love|loving|loved) (this|it|the idea)\b",
        r"\b(we're|we are|i'm|i am) (now )?back (looking at|on|to) (this|it|the idea)\b",
        # coming back to a parked conversation: "keen to pick this up again", "back on the agenda"
        r"\b(keen|eager|excited|ready|want|wanting|like|love|looking forward) to (pick (this|it|things) "
        r"(back )?up|picking (this|it|things) (back )?up|revisit|revisiting|restart|resume|reopen|re-?engage|"
        r"get (this|things) (going|moving|restarted) again)\b",
        r"\b(is|are|it's|it is|this is|we're|we are) back on the (agenda|table|radar|roadmap)\b",
        r"\b(you've|you have) got (my|our) (attention|interest)\b|\bcaught my eye\b",
        r"\b(pain point|pain|headache|struggle|sore (point|spot)) (for us|for me|for our (team|"
        r"reps|org|company)|we have|we've had|here)\b|\bour (biggest|main|real) (pain|headache|"
        r"struggle)\b",
    ),
    *_cues(
        "interested",
        0.7,
        r"\bkeep (me|us) (posted|updated|in the loop|informed)\b",
        r"\b(i'm|i am|we're|we are) (now |currently |actively |already )?(looking into|digging into|"
        r"checking out|reading up on) (it|this|sixty|you|your)\b",
        r"\b(send|share)( me| us| over)? (whatever|anything|what) (you have|you've got|you can)\b",
        r"\bhappy to (include|consider|look at|hear from|add) you\b",
        r"\b(anything|something) (you can|you could|you're able to) share\b",
        r"\b(make|build|making|building) (the|a) (business |internal )?case\b",
        r"\b(stay|keep) in touch\b|\bkeep (talking|chatting|the conversation going)\b",
        r"\b(good|great|strong|ideal|perfect|natural) (candidate|fit|match|use case)\b",
        r"\bkeep (me|us) on (your|the) (list|radar)\b",
        r"\bon (my|our) (list|radar|roadmap|shortlist|wish ?list)\b",
        r"\b(got|have|caught|grabbed|piqued) (my|our) (attention|interest|eye)\b",
        r"\bon our radar\b",
        r"\b(could|might|may) be (a (good )?fit|useful|worth|helpful|relevant|interesting)\b",
        r"\bworth (exploring|a look|looking into|discussing|a conversation|a chat)\b",
        r"\b(yes|yeah|sure|absolutely|definitely),? (please|i'm|we're|this|that|interested|keen)\b",
        r"\b(something|one) (we'd|we would|i'd|i would|we might|we could) (consider|look at|be open to"
        r"|explore|look into)\b",
        r"\b(circle back|reconnect|touch base|follow up|reach (back )?out( again)?) (in|after|next|"
        r"early|later|closer|once|when)\b",
        r"\bmore (detail|details|info|information|colou?r|context) (on|about|around|regarding)\b",
        r"\b(great|good|perfect) timing\b|\btiming is (actually |really |pretty )?(good|great|right|perfect)\b",
        r"\bhow (does|would|will|do) (it|this|that|sixty|your (product|tool|platform|solution)) "
        r"work\b",
    ),
    *_cues(
        "interested",
        0.6,
        r"(?<!something )(?<!anything )(?<!things )(?<!stuff )(?<!tools )(?<!tool )(?<!one )"
        r"(?<!ones )(?<!products )(?<!solutions )(?<!looks )(?<!seems )(?<!sounds )(?<!feels )"
        r"\b(liked|loved|enjoyed|like|love|impressed by|excited about) (it|this|that|the (video|demo|"
        r"deck|product|idea|pitch|approach|concept|look of|sound of))\b|\b(like|love) what\b",
        r"\b(intriguing|intrigued|promising|compelling|impressive)\b|\bfan of\b",
        r"\bthe (demo|video|deck|pitch|presentation|overview|trial) (was|looked|looks|is) (really |"
        r"very )?(great|excellent|helpful|impressive|useful|fantastic|brilliant|good|interesting)\b",
    ),
    *_cues(
        "interested",
        0.6,
        r"\b(sounds|looks|seems) (very |really |quite )?(good|great)\b",
    ),
    *_cues(
        "interested",
        0.5,
        r"^\W*(yes|yeah|sure|absolutely|definitely)\b",
        r"\bcase stud(y|ies)\b",
        r"\b(similar|other) (companies|customers|teams|clients)\b",
    ),
    # ---- fyi
    *_cues(
        "fyi",
        0.9,
        r"\bno (action|response|reply|need to (respond|reply))( is)? (needed|required|necessary)\b",
        r"\bno need to (respond|reply|answer|get back|do anything|act|worry|acknowledge)\b",
        r"\b(approved|signed off|all set|sorted|resolved|completed|processed|confirmed|fixed) (on our "
        r"(side|end)|from our (side|end)|internally|now)\b",
        r"\bnothing (needed|required|else needed|to do|further needed) (from|on|for) (you|your (end|"
        r"side))\b",
        r"\b(your|the) (weekly|daily|monthly|quarterly) (report|summary|digest|update|newsletter|"
        r"recap)\b",
        negatable=False,
    ),
    *_cues(
        "fyi",
        0.8,
        r"\bfyi\b",
        r"\bfor your (information|records|reference|awareness|info|files)\b",
        r"\bjust (a )?(heads[- ]up|fyi|letting you know|wanted to let you know|to let you know|"
        r"sharing|passing (this|it) along|an? update|confirming|a note)\b",
        r"\byou have been invited\b|\binvitation from google calendar\b",
        r"\b(receipt|order confirmation|payment (received|confirmation)|has been (shipped|delivered"
        r"|processed))\b",
        r"^\W*(got it|received|noted|thanks|thank you|perfect|great|awesome|will do|ok|okay|"
        r"cheers|much appreciated|appreciate it)\W*(thanks|thank you|\w+)?\W*$",
        negatable=False,
    ),
    *_cues(
        "fyi",
        0.6,
        r"\b(got it|received( it)?|noted|will do|much appreciated|thanks for sending)\b",
        r"\b(attached|enclosed) (is|are|please find)\b|\bplease find attached\b",
        r"\bheads[- ]up\b",
        r"\b(newsletter|webinar|view (this|in) (e-?mail )?(in your )?browser|manage (your )?"
        r"(e-?mail )?preferences)\b",
        negatable=False,
    ),
]

_NEGATOR = re.compile(
    r"\b(not|no|never|don't|dont|doesn't|didn't|won't|wouldn't|can't|cannot|isn't|aren't|"
    r"without|instead|rather|neither|nor|unnecessary|needn't|shouldn't)\b"
)
_CONDITIONAL = re.compile(r"\b(if|unless|whether|in case)\b")
_CLAUSE_BREAK = re.compile(r"[.;:!?\n]|,|\bbut\b|\bhowever\b|\bthough\b|\balthough\b")

_INFO_QUESTION = re.compile(
    r"tell (me|us) more|more (info|information|details)|learn more|how (does|would|will|do) (it|"
    r"this|that|sixty|your \w+) work|what (kind|sort|type)s? of (results|roi|outcomes|impact|"
    r"savings)|case stud|similar (companies|customers|teams)|companies like (us|ours)|success "
    r"stor|(customer|client) stor|\bresults\b|\broi\b|(customers|clients|companies|teams|people|others) like "
    r"(us|ours)|getting started|get started|what's involved|testimonials?|proof points|examples?\b|references?\b|anything (written|in writing)|(deck|one[- ]pager|brochure|"
    r"overview|collateral|materials?|literature|whitepaper)\b|circle back|reconnect|touch base|"
    r"reach (back )?out (again )?(in|after|next)|what's new|what is new|anything new"
    r"|\bwhat (would|does|will) it take to (try|test|pilot|trial|get started|start|roll)"
    r"|\bhow (does|would|will|can|could|do) (it|this|that|sixty|you|your \w+) help\b"
    r"|\bhow (do|does) (other|similar|smaller|bigger|larger) (teams|companies|customers|clients) "
    r"use\b"
    # broad questions about the product as a whole: what else, how it differs, what a rollout
    # is like, where to start
    r"|\b(what|anything) else (can|could|do|would) you (share|send|tell|show|have|offer|point me)\b"
    r"|\banything else you (can|could) share\b|\bwhat else is there\b"
    r"|\bhow (is|are|does|do|would) (sixty|it|this|you|your [\w-]+)( [\w-]+)? (different|differ|"
    r"compare|stack up|stand out|better)\b|\bwhat (makes|sets) (sixty|you|it|this|your [\w-]+) "
    r"(different|unique|apart|better|stand out)\b|\bdifferentiat"
    r"|\bwhat (does|do|would|will) (a |an |the |your )?(typical |usual |normal |standard )?"
    r"(rollout|roll-out|implementation|deployment|pilot|trial|ramp[- ]?up|adoption|first month|"
    r"first few weeks)( [\w-]+)? look like\b"
    r"|\b(?<!you )(?<!they )(?<!would )like (us|ours)\b"
    r"|\b(understand|see|get a sense of|get a feel for) (what|how) (you|sixty|it|this|your [\w-]+) "
    r"(do|does|works?|offers?)\b|\bwhat (do|does) (you|sixty|your (company|product|team|tool|"
    r"platform)) (do|offer)\b|\bwhere (should|do|would|can) (i|we) (start|begin)\b|\bwhat "
    r"should (i|we) (read|look at|start with|watch)\b"
)
# asking to be put in touch with someone (a reference customer) is an action, not curiosity
_CONTACT_ASK = re.compile(
    r"\b(speak|talk|chat|get on a call|hop on a call|meet|connect) (with|to)\b|\bintroduc(e|tion)\b"
)
_SMALL_TALK = re.compile(
    r"^\W*(hi|hey|hello|dear)?\W*\w*\W*(how are you|how's it going|how are things|how have you "
    r"been|hope (you're|you are|all is|this finds|you had|your))"
)
_REQUEST_IN_QUESTION = re.compile(
    r"\b(can|could|would|will|do|does|is|are|did|have|has|when|where|what|why|how|which|who|"
    r"should)\b"
)
_INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass) (all |any |the |your |my |previous |prior |"
    r"above |earlier |these |those |other |existing )*(instructions|rules|guidelines|prompts?|"
    r"directives|programming|system prompt|safety|policies|policy)\b"
    r"|\bsystem prompt\b|\b(dear|hey|attention) (ai|assistant|bot|copilot|language model)\b"
    r"|\bas an ai\b|\byou are now\b|\bnew instructions\b"
)
_NOREPLY = re.compile(
    r"(^|[._+-])(no-?reply|do-?not-?reply|donotreply|notifications?|notify|mailer-daemon|postmaster|"
    r"newsletters?|news|updates?|digest|alerts?|billing|receipts?|marketing|automated|system)"
    r"([+._-][^@]*)?@",
    re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|tr|rv|antw)\s*(\[\d+\])?\s*:\s*|\[(external|ext)\]\s*)+", re.I
)
_SUBJECT_OOO = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|auto\s*:|out of (the )?office|ooo\b|"
    r"away\b|abwesen|absence|réponse automatique|respuesta automática|on leave|vacation|"
    r"on holiday|annual leave)",
    re.I,
)
_SUBJECT_CUES: list[tuple[Category, re.Pattern[str]]] = [
    ("unsubscribe", re.compile(r"\b(unsubscribe|remove me|opt[ -]?out)\b")),
    ("meeting_request", re.compile(r"\b(demo|meeting|call|catch[- ]?up|intro|availability)\b")),
    ("proposal_request", re.compile(r"\b(quote|quotation|pricing|proposal|price|contract|sow)\b")),
    ("referral", re.compile(r"\b(introduction|intro to|referral)\b")),
    ("needs_response", re.compile(r"\?|\b(question|issue|problem|help|urgent)\b")),
    ("fyi", re.compile(r"\b(report|digest|newsletter|receipt|invoice|summary|webinar|fyi)\b")),
]
# Pairs that disagree about what to do next; overlapping cues between them cost confidence.
_CONFLICTS: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        ("not_interested", "interested"),
        ("not_interested", "meeting_request"),
        ("not_interested", "proposal_request"),
        ("not_interested", "needs_response"),
        ("meeting_request", "proposal_request"),
        ("unsubscribe", "interested"),
        ("unsubscribe", "meeting_request"),
        ("unsubscribe", "proposal_request"),
        ("referral", "meeting_request"),
        ("referral", "proposal_request"),
        ("out_of_office", "meeting_request"),
        ("out_of_office", "proposal_request"),
        ("out_of_office", "needs_response"),
    )
)


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    text = text.replace("\u201d", '"').replace("\u00a0", " ")
    return re.sub(r"[ \t]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


def _window_before(text: str, start: int) -> str:
    window = text[max(0, start - 60) : start]
    parts = _CLAUSE_BREAK.split(window)
    return parts[-1] if parts else window


def _negated(text: str, start: int) -> bool:
    words = _window_before(text, start).split()[-4:]
    return bool(_NEGATOR.search(" ".join(words)))


def _conditional(text: str, start: int) -> bool:
    return bool(_CONDITIONAL.search(_window_before(text, start)))


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for m in re.finditer(r"[^.!?\n]+[.!?]*", text):
        s = m.group(0).strip()
        if s:
            out.append((m.start(), s))
    return out


_ASK = re.compile(
    r"\?|\b(can|could|would|will) (you|we|i)\b|\b(please|pls|plz|kindly)\b|"
    r"^\W*(send|book|schedule|share|forward|give|call|ping|e-?mail|set up|put|grab|shoot|find|"
    r"let me know|tell me|show me|break down)\b|\b(i'd|i would|we'd|we would) be (up for|open to|"
    r"happy with|keen on|down for)\b|\bany chance\b|\b(would|is) it (be )?"
    r"possible\b|\blet (me|us) know\b|\b(i|we)('d| would) (like|love|appreciate)\b|\b(need|needs|"
    r"require|requires|required|asked for|asking for|looking for)\b|\bget me\b|\bcan i get\b|"
    r"\bshall we\b|\bhow about\b|\bwhat about\b|\bwould \w+ work\b|\b(could|would|might|should) "
    r"(also )?work\b|\bworks for (me|us)\b|"
    r"\b(i|we)('ve| have)? got (some )?time\b|\b(i'm|i am|we're|we are) (free|available)\b|"
    r"\bif you want to\b|\blet'?s\b|\bsend (me|us|over|across)\b|\b(wants?|asked for|is asking for|"
    r"are asking for)\b"
)
_TIMED_ASK = re.compile(
    r"\b(works for (me|us)|would \w+ work|(could|would|might|should) (also )?work|(i|we)('ve| have)? got (some )?time|(i'm|i am|we're|we "
    r"are) (free|available|around)|how about|what about|(can|could) (you|we) do|shall we|"
    r"if you want to|let'?s|(is|would) it (be )?possible|does (\w+ )?(that |this )?suit)\b"
)
_PRODUCT_QUESTION = re.compile(
    r"\b(support|supports|integrate|integrates|integration|compatible|work with|works with|"
    r"connect to|connects to|record|records|recorded|transcribe)\b"
    # data moving between systems ("does it sync notes to HubSpot?"), not a sync meeting
    r"|\b(sync|syncs|syncing|push|pushes|write|writes|log|logs|export|exports)( [\w-]+){0,3} "
    r"(to|into|with|back to|from) (our |my |the |your )?(crm|hubspot|salesforce|sfdc|pipedrive|"
    r"dynamics|zoho|database|data warehouse|warehouse|records|system|systems|api)\b"
)
# a question written without its question mark: "Which URL should we be using for the EU."
_WH_QUESTION = re.compile(
    r"^\W*(which|what|how|where|when|why|who)\b(?: (?!(?:we|i|you|they|he|she|it)\b)[\w/'-]+){0,5}? (should|do|does|did|can|could|is|"
    r"are|was|were|would|will) (we|i|you|it|they|this|that|the|our|your|there)\b"
)
_CONDITIONAL_SENTENCE = re.compile(
    r"^\W*(if|unless|in case|should you|for (urgent|immediate|anything urgent|pressing))\b"
)
_SCHEDULING = re.compile(
    r"\b(work|works|suit|suits|free|available|around|do(?! (i|we|you|they)\b)|hold|present|demo|show|meet|talk|chat|join|"
    r"speak|call|get together|ok|okay|good for you|fit|join|come|visit|see you)\b"
)
_MEETING_TOPIC = re.compile(
    r"\b((a|another|quick) follow[- ]?up(?! (e-?mail|note|message|on|about|regarding))|"
    r"call(?! (recordings?|notes|transcripts?|logs?|cent(er|re)|data|summar(y|ies)|quality|"
    r"volume|tracking|analytics|history|scoring|coaching|(the|our|my|their) (office|number|desk|"
    r"mobile|support|helpdesk|help desk|reception|switchboard|team|hotline)))|calendly|"
    r"(calendar|booking|scheduling) link|meeting(?! (notes|recordings?|"
    r"transcripts?|summar(y|ies)|minutes|rooms?))|meet|demo|session|(a|quick|short|on) (zoom|"
    r"teams|google meet|meet|video call)|coffee|lunch|catch[- ]?up|"
    r"sync(?! (paused|failed|failing|error|errors|issue|issues|stopped|status|"
    r"is|isn't|has|was|problem|problems|settings|job|jobs|broke|broken|keeps))|walk-?through|see it (live|in action)|in[- ]person|(on|in|into) (my|your|our|the) "
    r"(calendar|calendars|diary|diaries|schedule)|time ?slots?|slot|(time|minutes) to (talk|chat|connect|meet|speak)|half an hour|"
    r"\d{2}[- ]?min(ute)?s?|(we|us) (talk|speak|chat|connect)|conversation|intro|(a|quick|short|"
    r"brief|proper) chat|(zoom|teams|webex|google meet|dial-in) details|(link|invite|invitation) (for|to) (the |a |our )?(zoom|teams|webex|google meet|"
    r"video call)|(zoom|teams|webex|google meet) (link|invite|invitation)|book (\w+ ){0,2}(time|\d+ ?min)|connect (sometime|soon|next|this|later))\b"
)
_PROPOSAL_TOPIC = re.compile(
    r"\b(price|prices|pricing|cost|costs|quote|quotation|proposal|contract|paperwork|sow|"
    r"statement of work|msa|order form|estimate|rate card|licen[cs]e fees?|"
    r"(service|subscription|licen[cs]e|master services?|customer|order|purchase) agreement|"
    r"(formal|commercial|written|best|final|firm) offer|commercials|ballpark|rough "
    r"(number|figure|idea)|numbers|figures|costing|run us|set us back|priced|pricing model|"
    r"licensing model|per seat|per user|investment|annual fee|what (it|this) would (run|"
    r"cost))\b"
)
_REDO_IT = re.compile(
    r"\b(revise|update|adjust|amend|redo|rework|re-?issue|resend|send|share|tweak|change)( it| that| "
    r"this| them| one| a new one| an updated (one|version)| a revised (one|version))\b"
)
_PRICE_CLARIFY = re.compile(
    r"\b(include|includes|included|cover|covers|covered|apply|applies|valid|still|extra|on top)\b"
)
_REFERS_BACK = re.compile(
    r"\b(thanks|thank|received|reviewed|read|looked|saw|seen|got|in|on|about|regarding|re|"
    r"attached|signed|into|under|with|our)\b"
)


_MEETING_BACK = re.compile(
    r"\b(thanks|thank|after|since|during|from|following|recap|per|our|last|earlier|yesterday's|"
    r"today's|the|that|this)\b"
)


# "send over the Zoom link": asking for the joining details is asking for the meeting
_MEETING_LOGISTICS = re.compile(r"(zoom|teams|webex|google meet|dial-in|link|invite|invitation)\b")


_SENDS_LINK = re.compile(r"\b(send|share|forward|set up|book)\b")


def _topic_ok(low: str, start: int, back: re.Pattern[str] = _REFERS_BACK) -> bool:
    if _negated(low, start):
        return False
    before = _window_before(low, start).split()[-3:]
    return not back.search(" ".join(before))


def _sentence_hits(low: str) -> list[_Hit]:
    """Per sentence: an ask (question, "could you", "please", "I need") about a meeting or a
    price is a meeting or proposal request; other direct questions need a response, unless
    they only ask for general information (then they read as interest)."""
    hits: list[_Hit] = []
    previous = ""
    for start, sentence in _sentences(low):
        end = start + len(sentence)
        mentioned, previous = previous, sentence
        question = (
            "?" in sentence or bool(_WH_QUESTION.match(sentence))
        ) and not _SMALL_TALK.search(sentence)
        ask = (question or bool(_ASK.search(sentence))) and not _CONDITIONAL_SENTENCE.match(
            sentence
        )
        if ask:
            clarifying = bool(_PRICE_CLARIFY.search(sentence))
            for m in _PROPOSAL_TOPIC.finditer(sentence):
                if clarifying and sentence[: m.start()].rstrip().endswith(("the", "that", "this")):
                    continue  # "does the price include onboarding?" asks about a known price
                if _topic_ok(low, start + m.start()):
                    hits.append(_Hit("proposal_request", 0.8, start + m.start(), start + m.end()))
                    break
            else:
                # "Thanks for the proposal. Could you revise it?": the ask refers back
                redo = _REDO_IT.search(sentence)
                if redo and _PROPOSAL_TOPIC.search(mentioned):
                    hits.append(_Hit("proposal_request", 0.8, start + redo.start(), end))
            meeting = (
                None
                if _PRODUCT_QUESTION.search(sentence)
                else next(
                    (
                        m
                        for m in _MEETING_TOPIC.finditer(sentence)
                        if _topic_ok(low, start + m.start(), _MEETING_BACK)
                        or (_MEETING_LOGISTICS.match(m.group(0)) and _SENDS_LINK.search(sentence))
                    ),
                    None,
                )
            )
            timed = _TIME_PHRASE.search(sentence) if meeting is None else None
            if meeting is not None:
                hits.append(_Hit("meeting_request", 0.78, start + meeting.start(), end))
            elif (
                timed is not None
                and (
                    _TIMED_ASK.search(sentence)
                    or (question and _SCHEDULING.search(sentence))
                    or (question and len(sentence.split()) - len(timed.group(0).split()) <= 2)
                )
                and not _negated(low, start + timed.start())
            ):
                hits.append(_Hit("meeting_request", 0.72, start, end))
        if not question:
            continue
        if (
            _INFO_QUESTION.search(sentence)
            and not _SUPPORT_TERMS.search(sentence)
            and not _CONTACT_ASK.search(sentence)
        ):
            hits.append(_Hit("interested", 0.7, start, end))
        elif _REQUEST_IN_QUESTION.search(sentence) or len(sentence.split()) >= 3:
            hits.append(_Hit("needs_response", 0.75, start, end, question=True))
        else:
            hits.append(_Hit("needs_response", 0.6, start, end, question=True))
    return hits


# a mailing footer's links ("Manage preferences | Unsubscribe") are not a removal request
_FOOTER_LINE = re.compile(
    r"manage (your )?(e-?mail |subscription |communication )?(preferences|subscriptions?|settings)|"
    r"update (your )?(e-?mail )?preferences|(you're|you are|you were) receiving this|"
    r"view (this|it)? ?(e-?mail )?in (your |a )?browser|\|\s*unsubscribe|unsubscribe\s*\||"
    r"privacy policy|to stop receiving (these|this|our)|(sent|delivered) to [\w.+-]+@|"
    r"unsubscribe\s*:?\s*<?(https?://|www\.)|(you're|you are) receiving [\w -]{0,40}"
    r"(e-?mails|notifications|messages|alerts)"
)


def _line_at(low: str, pos: int) -> str:
    start = low.rfind("\n", 0, pos) + 1
    end = low.find("\n", pos)
    return low[start : end if end >= 0 else len(low)]


def _find_hits(low: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for cue in _CUES:
        if cue.anchors is not None and not any(map(low.__contains__, cue.anchors)):
            continue
        for m in cue.pattern.finditer(low):
            if cue.negatable and _negated(low, m.start()):
                continue
            if cue.conditional_skip and _conditional(low, m.start()):
                continue
            if cue.category == "unsubscribe" and _FOOTER_LINE.search(_line_at(low, m.start())):
                continue
            hits.append(_Hit(cue.category, cue.weight, m.start(), m.end()))
    return hits


# words that follow "cc'ing"/"reach out to" capitalised but are not names; exact words, so that
# Maria, Theo, Allison, Ina or Junior are not taken for a month, "The", "All" or "In"
_NOT_A_NAME = (
    r"(?!(?:I|The|These|Those|They|Their|Them|This|That|It|Its|Here|There|In|On|Our|Ours|My|Your|"
    r"Yours|You|All|Everyone|Everybody|Sixty|Legal|Finance|Procurement|IT|HR|Support|Sales|Next|"
    r"Tomorrow|Today|Tonight|Again|Later|Internally|Internal|To|A|An|Please|Thanks)\b|"
    r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\b|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)"
    r"days?\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|"
    r"June|July|August|September|October|November|December)\b)"
)
_NAMED_REFERRAL = re.compile(
    r"(?i:\b(?:cc'?d|cc'?ing|copied|copying|looped in|looping in|adding|added|introducing|"
    r"introduced|try|(?:forwarding|forwarded|passing|passed) (?:(?:this|it|your \w+) )?(?:on |"
    r"along |over )?to|(?:sending|sent|handing|handed) (?:this|it|your \w+) (?:on |along |over )to))"
    r"\s+" + _NOT_A_NAME + r"(?!May\b)[A-Z][a-z]+"
)
_SUPPORT_TERMS = re.compile(
    r"\b(error|bug|broke|broken|issue|problem|can't|cannot|unable|failing|fails|failed|charged|"
    r"invoice|billing|refund|login|log in|password|access|account|workspace|renewal|outage|"
    r"urgent|asap|security|compliance|gdpr|sso|sla|contract|legal|data)\b"
)
_TIMING_REFUSAL = re.compile(
    r"\bnot (right )?now\b|\bnot at (this|the) (time|moment)\b|\bnot yet\b|\bnot (this|right) "
    r"(quarter|year|month)\b|\bnot (the )?(right|good|ideal) (time|timing|moment)\b"
)
_ACKNOWLEDGED = re.compile(r"\b(received|got it|thanks|thank you|noted|attached|signed)\b")
_FORMAT_REFUSAL = re.compile(r"\b(demo|call|meeting|meet|proposal|quote|chat|session)\b")
_ASK_CATEGORIES = frozenset({"meeting_request", "proposal_request", "needs_response"})


_ACTS_ON_PERSON = re.compile(
    r"\b(unsubscribe|remove|add|invite|give|grant|reset|upgrade|downgrade|delete|thank|thanks|"
    r"with|and|cc)\b"
)
_DIRECTED_NAMED = re.compile(
    r"(?i:\b(?:reach out to|get in touch with|speak (?:to|with)|talk to|contact|e-?mail|ping))\s+"
    + _NOT_A_NAME
    + r"(?!May\b)[A-Z][a-z]+"
)
_YOU_WANT_NAMED = re.compile(
    r"(?i:\byou(?:'re| are)? (?:probably |likely |might |may |actually )?(?:want|looking for|"
    r"meant))\s+" + _NOT_A_NAME + r"(?!May\b)[A-Z][a-z]+"
)
_TO_YOU = re.compile(r"\b(you|you'll|you'd|please|best|better|should|suggest|recommend|try)\b")
_COLLEAGUE_NAMED = re.compile(
    r"(?i:\b(?:my|our) (?:colleague|co-?worker|team ?mate|boss|manager|counterpart|replacement|"
    r"successor|director|vp|head of [a-z]+))\s*,?\s+[A-Z][a-z]+"
)


# a named person who will come along to the meeting is a guest, not a hand-over
_JOINS_MEETING = re.compile(
    r"^[^.!?\n]{0,60}?\b((will|would|'ll|can|is going to|are going to|may|might|wants to|"
    r"would like to|plans to) (also )?(join|attend|sit in|dial in|be (joining|attending|there|"
    r"dialling|dialing|sitting in|(on|in) (the|that|this|our|your) (call|meeting|demo|session)))|(is|are) (also )?(joining|attending|coming))\b"
)


def _named_referrals(original: str, low: str) -> list[_Hit]:
    """A first-person hand-over to a capitalised name ("cc'ing Jordan") marks a person."""
    if len(original) != len(low):
        return []
    return [
        h for h in _named_referral_hits(original, low) if not _JOINS_MEETING.search(low[h.end :])
    ]


def _named_referral_hits(original: str, low: str) -> list[_Hit]:
    hits = [
        _Hit("referral", 0.85, m.start(), m.end())
        for m in _NAMED_REFERRAL.finditer(original)
        if not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.8, m.start(), m.end())
        for m in _DIRECTED_NAMED.finditer(original)
        if (
            not _window_before(low, m.start()).strip()
            or _TO_YOU.search(_window_before(low, m.start()))
        )
        and not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.8, m.start(), m.end())
        for m in _YOU_WANT_NAMED.finditer(original)
        if not _conditional(low, m.start())
    ]
    hits += [
        _Hit("referral", 0.7, m.start(), m.end())
        for m in _COLLEAGUE_NAMED.finditer(original)
        if not _conditional(low, m.start())
        and not _negated(low, m.start())
        and not _ACTS_ON_PERSON.search(_window_before(low, m.start()))
    ]
    return hits


def _document_passed_on(low: str, hit: _Hit) -> bool:
    """ "Received, and passed to our finance team": a document handed on, not a referral."""
    if hit.category != "referral" or not low[hit.start : hit.end].endswith(("team", "department")):
        return False
    start = max(low.rfind(ch, 0, hit.start) for ch in ".!?\n") + 1
    return bool(_ACKNOWLEDGED.search(low[start : hit.end]))


def _discount_before_but(low: str, hits: list[_Hit]) -> list[_Hit]:
    """A refusal followed by "but" and a real ask or a referral in the same sentence, or a
    refusal of a format ("I don't need a meeting") followed by any ask: the ask wins."""
    later = _ASK_CATEGORIES | {"referral"}
    spans: list[tuple[int, int]] = []
    for hit in hits:
        if hit.category != "not_interested":
            continue
        stop = re.compile(r"[.!?\n]").search(low, hit.end)
        end = stop.end() if stop else len(low)
        turn = re.search(r"\b(but|however|though|just)\b", low[hit.end : end])
        # "no need for a call, a quote is fine": the refused thing is named just after the cue
        clause = re.compile(r"[,;.!?\n]|\b(but|and)\b").search(low, hit.end)
        named = low[hit.start : clause.start() if clause else end]
        format_only = _FORMAT_REFUSAL.search(named) is not None
        timing = _TIMING_REFUSAL.search(low[hit.start : end]) is not None
        if (
            (
                turn
                and any(
                    o.category in later and o.weight >= 0.6 and hit.end <= o.start < end
                    for o in hits
                )
            )
            or (
                # "not right now, but this is interesting - keep me posted": interest, later
                turn
                and timing
                and any(
                    o.category == "interested" and o.weight >= 0.7 and o.start >= hit.end
                    for o in hits
                )
            )
            or (
                # a weak regret ("unfortunately", "I can't make it") turned into an alternative:
                # "I can't make the dinner, unfortunately, but could we meet on the 10th?"
                turn
                and hit.weight <= 0.6
                and any(
                    o.category in _ASK_CATEGORIES and o.weight >= 0.7 and o.start >= hit.end
                    for o in hits
                )
            )
            or (
                format_only
                and any(
                    o.category in _ASK_CATEGORIES and o.weight >= 0.6 and o.start >= hit.end
                    for o in hits
                )
            )
        ):
            spans.append((hit.start, hit.end))
    if not spans:
        return hits
    return [
        _Hit(h.category, max(0.0, h.weight - 0.35), h.start, h.end)
        if h.category == "not_interested" and any(h.start < e and s < h.end for s, e in spans)
        else h
        for h in hits
    ]


def _combine(weights: list[float]) -> float:
    if not weights:
        return 0.0
    ordered = sorted(weights, reverse=True)
    bonus = sum(min(0.04, w * 0.05) for w in ordered[1:3])
    return min(0.97, ordered[0] + bonus)


def classify_email(email: InboundEmail) -> Classification:
    """Classify one inbound email into one of the nine categories, with evidence and details."""
    body = email.new_text
    if not body and not email.quoted_text:
        body = email.text
    original = _normalise(body)[:MAX_TEXT]
    low = original.lower()

    sentence_hits = _sentence_hits(low)
    hits = _find_hits(low) + sentence_hits + _named_referrals(original, low)
    hits = [h for h in hits if not _document_passed_on(low, h)]
    info_spans = [(h.start, h.end) for h in sentence_hits if h.category == "interested"]
    hits = [
        h
        for h in hits
        if h.category != "needs_response" or not any(s <= h.start < e for s, e in info_spans)
    ]
    hits = _discount_before_but(low, hits)
    by_cat: dict[Category, list[_Hit]] = {c: [] for c in CATEGORIES}
    for hit in hits:
        by_cat[hit.category].append(hit)
    scores: dict[Category, float] = {c: _combine([h.weight for h in by_cat[c]]) for c in CATEGORIES}
    has_question = any(h.category in ("needs_response", "interested") for h in sentence_hits)

    # "Sounds interesting - how does onboarding work?": curiosity, not a support request
    if (
        scores["interested"] >= 0.8
        and by_cat["needs_response"]
        and all(h.question for h in by_cat["needs_response"])
        and not _SUPPORT_TERMS.search(low)
    ):
        scores["needs_response"] = min(scores["needs_response"], THRESHOLD - 0.01)

    subject_support = _weigh_subject(email, low, scores)
    evidence_override = _weigh_auto_reply(email, has_question, scores)
    evidence_override = _weigh_bulk(email, scores) or evidence_override

    details: dict[str, Any] = {"auto_reply": email.is_auto_reply}
    injection = bool(_INJECTION.search(low))
    if injection:
        # text addressed to an assistant is data: it may not steer the flows anywhere
        details["prompt_injection"] = True
        evidence_override = "instructions addressed to an assistant (treated as data)"
        for cat in ("referral", "meeting_request", "proposal_request", "interested"):
            scores[cat] = 0.0

    category = _choose(scores, by_cat)
    if injection and category not in ("unsubscribe", "out_of_office"):
        category = "needs_response" if (has_question or scores["needs_response"] >= 0.5) else "fyi"

    confidence = _confidence(category, scores, low, subject_support, injection)
    evidence = _evidence(category, by_cat, original, evidence_override, injection)
    cue_start = min((h.start for h in by_cat[category]), default=0)
    details.update(_extract(category, email, original, cue_start))
    details["scores"] = {c: round(s, 2) for c, s in scores.items() if s >= 0.4}
    return Classification(category, confidence, evidence, details)


def _weigh_subject(email: InboundEmail, low: str, scores: dict[Category, float]) -> set[Category]:
    """The subject confirms body evidence, or stands alone (at low confidence) on an empty body."""
    subject = _SUBJECT_PREFIX.sub("", _normalise(email.subject)).lower()
    support: set[Category] = set()
    for cat, pattern in _SUBJECT_CUES:
        if pattern.search(subject):
            support.add(cat)
            if scores[cat] >= 0.4:
                scores[cat] = min(0.97, scores[cat] + 0.04)
            elif not low.strip():
                scores[cat] = max(scores[cat], 0.58)
    return support


def _weigh_auto_reply(
    email: InboundEmail, has_question: bool, scores: dict[Category, float]
) -> str | None:
    """Out of office needs absence in the text; auto headers and the subject make it certain.
    A person who mentions being away while asking for something is not an auto-reply."""
    auto = email.is_auto_reply
    subject_ooo = bool(_SUBJECT_OOO.search(_normalise(email.subject)))
    body = scores["out_of_office"]
    evidence: str | None = None
    if auto or subject_ooo:
        if body >= 0.4:
            scores["out_of_office"] = min(0.97, max(body, 0.85) + 0.08)
        elif auto and subject_ooo:
            scores["out_of_office"] = 0.8
        elif subject_ooo:
            scores["out_of_office"] = max(body, 0.5)
        if auto and scores["out_of_office"] >= THRESHOLD:
            evidence = "automatic reply: " + (
                email.auto_reply_signals[0] if email.auto_reply_signals else "subject"
            )
    elif body >= 0.4:
        direct_ask = (
            has_question or max(scores["meeting_request"], scores["proposal_request"]) >= 0.7
        )
        if direct_ask and body < 0.95:
            scores["out_of_office"] = min(body, 0.45)
    if scores["out_of_office"] < 0.6:
        scores["out_of_office"] = min(scores["out_of_office"], THRESHOLD - 0.01)
    if auto and scores["out_of_office"] < THRESHOLD:
        # an automatic acknowledgement ("we received your ticket") is information only
        for cat in ("meeting_request", "proposal_request", "needs_response", "interested"):
            scores[cat] = max(0.0, scores[cat] - 0.3)
        scores["fyi"] = max(scores["fyi"], 0.8)
    return evidence


def _weigh_bulk(email: InboundEmail, scores: dict[Category, float]) -> str | None:
    """Bulk mail and no-reply senders: footers and marketing calls to action are not asks."""
    noreply = bool(_NOREPLY.search(email.sender.address if email.sender else ""))
    if not (email.is_bulk or noreply):
        return None
    for cat in CATEGORIES:
        if cat != "fyi":
            scores[cat] = max(0.0, scores[cat] - (0.45 if noreply else 0.25))
    scores["fyi"] = max(scores["fyi"], 0.9 if noreply else 0.85)
    return "no-reply sender" if noreply else "bulk mail (List-Unsubscribe/Precedence)"


def _choose(scores: dict[Category, float], by_cat: dict[Category, list[_Hit]]) -> Category:
    candidates = [c for c in PRECEDENCE[:-1] if scores[c] >= THRESHOLD]
    if not candidates:
        return "fyi"
    chosen = candidates[0]
    hard = chosen in ("unsubscribe", "out_of_office") and scores[chosen] >= 0.8
    if not hard:
        for cat in candidates[1:]:
            if scores[cat] >= scores[chosen] + 0.25:
                chosen = cat
                break
    if chosen in ("meeting_request", "proposal_request"):
        other: Category = "proposal_request" if chosen == "meeting_request" else "meeting_request"
        if scores[other] >= THRESHOLD:
            if scores[other] > scores[chosen] + 0.02:
                chosen = other
            elif abs(scores[other] - scores[chosen]) <= 0.02:
                first = min(by_cat[other], key=lambda h: h.start, default=None)
                mine = min(by_cat[chosen], key=lambda h: h.start, default=None)
                if first and mine and first.start < mine.start:
                    chosen = other
    if scores["fyi"] >= scores[chosen] + 0.2 and chosen in ("needs_response", "interested"):
        chosen = "fyi"
    return chosen


def _confidence(
    category: Category,
    scores: dict[Category, float],
    low: str,
    subject_support: set[Category],
    injection: bool,
) -> float:
    base = scores[category]
    if category == "fyi" and base < THRESHOLD:
        # nothing asked and nothing matched: fyi by elimination, more sure when it is short
        words = len(low.split())
        base = 0.6 if words <= 40 and "?" not in low else 0.5
    conflict = max(
        (s for c, s in scores.items() if c != category and frozenset((c, category)) in _CONFLICTS),
        default=0.0,
    )
    if conflict >= 0.7:
        base -= 0.12
    elif conflict >= 0.5:
        base -= 0.06
    if category in subject_support:
        base += 0.02
    if len(low.split()) > 250:
        base -= 0.05
    if injection:
        base = min(base, 0.6)
    return round(max(0.3, min(0.98, base)), 2)


def _evidence(
    category: Category,
    by_cat: dict[Category, list[_Hit]],
    original: str,
    override: str | None,
    injection: bool,
) -> str:
    hits = by_cat.get(category) or []
    if override and (injection or category in ("out_of_office", "fyi") or not hits):
        return override
    if not hits:
        return "no request, question or reply signal found" if category == "fyi" else category
    best = max(hits, key=lambda h: (h.weight, -h.start))
    phrase = original[best.start : best.end].strip()
    if len(phrase) > 80:
        phrase = phrase[:77].rstrip() + "..."
    return phrase


# ---------------------------------------------------------------- extraction

_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_NAME_STOP = frozenset(
    """i hi hello hey dear thanks thank the this that our my your we he she they it its please
    vp head director manager sales marketing revops ops operations ceo cfo cto coo cro ciso cio it
    procurement finance team lead officer chief senior president engineering product legal hr
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december best regards kind cheers sent from
    here there who which whom also and or but for with regarding re fw fwd cc bcc email sixty
    account executive partner partners department group company inc ltd llc corp colleague
    could would can will should shall may might must do does did is are was were have has had
    let just sorry maybe perhaps unfortunately apologies going looking happy""".split()
)


def _referred_name(email: InboundEmail, text: str) -> str | None:
    """The first person-like name in `text`: capitalised words that are not titles, days or
    the people on the email; a lone word at the start of a sentence does not count."""
    skip = {w.lower() for a in (email.sender, *email.to) if a is not None for w in a.name.split()}
    names: list[str] = []
    for m in re.finditer(r"\b([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){0,2})\b", text):
        words = [w for w in m.group(1).split() if w.lower() not in _NAME_STOP | skip]
        if not words:
            continue
        gap = text[: m.start()]
        before = gap.rstrip()
        # a line break starts a sentence too ("Hi Alex,\nWould you ..."): the word after it is
        # capitalised because of where it stands, not because it is a name
        starts = not before or before[-1] in ".!?-–—:" or "\n" in gap[len(before) :]
        if len(words) == 1 and starts:
            continue
        names.append(" ".join(words))
    full = [n for n in names if len(n.split()) >= 2]
    picked = full or names
    return picked[0] if picked else None


def _referral_details(email: InboundEmail, original: str, cue_start: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    own = {a.address.lower() for a in (email.sender, *email.to) if a is not None}
    emails = [e for e in _EMAIL_RE.findall(original) if e.lower() not in own]
    ref_email = emails[0] if emails else None
    ref_name = None
    if ref_email is None and email.sender is not None:
        for addr in email.cc:
            if addr.domain == email.sender.domain and addr.address.lower() not in own:
                ref_email, ref_name = addr.address, addr.name or None
                break
    if ref_name is None:
        ref_name = _referred_name(email, original[cue_start:]) or _referred_name(email, original)
    if ref_email and ref_name is None:
        for addr in (*email.cc, *email.to):
            if addr.address.lower() == ref_email.lower() and addr.name:
                ref_name = addr.name
    if ref_name:
        out["referred_name"] = ref_name
    if ref_email:
        out["referred_email"] = ref_email
    return out


_TIME_PHRASE = re.compile(
    r"\b((?:this|next)\s+)?(?:(?:" + _WD + r")(?:\s+(?:or|and|/)\s+(?:" + _WD + r"))?|"
    r"tomorrow|today|next week|this week|later this week|early next week|end of (?:the )?week)"
    r"(?:\s+(?:morning|afternoon|evening|am|pm))?"
    r"(?:\s*,?\s*(?:at|from|between|after|before|around)?\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?"
    r"(?:\s*(?:-|–|to|and)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)?"
    r"(?:\s+(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST))?\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)(?:\s*(?:-|–|to)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?"
    r"(?:\s+(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST))?"
    r"|\b(?:(?:early|mid|late|end of|beginning of|the week of|week of)[\s-]+)?" + _MON + r"\.?"
    r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?(?:\s*(?:-|–|to)\s*"
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)?\b(?<!\bmay)(?<!\bmarch)"
    r"|\bthe \d{1,2}(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"\b(\d{1,3}|half an|an|one|two|fifteen|twenty|thirty|forty[- ]five|sixty|ninety)\s*-?\s*"
    r"(minutes?|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "half an": 0.5, "an": 1, "one": 1, "two": 2, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty-five": 45, "forty five": 45, "sixty": 60, "ninety": 90,
}  # fmt: skip
_TZ = re.compile(r"\b(ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|GMT|UTC|BST|CET|CEST|IST|AEST)\b")


def _meeting_details(original: str) -> dict[str, Any]:
    times = list(dict.fromkeys(m.group(0).strip() for m in _TIME_PHRASE.finditer(original)))
    out: dict[str, Any] = {"proposed_times": [t for t in times if t]}
    m = _DURATION.search(original)
    if m:
        qty_raw = m.group(1).lower()
        qty = float(qty_raw) if qty_raw.isdigit() else float(_NUMBER_WORDS.get(qty_raw, 0))
        unit = m.group(2).lower()
        minutes = qty * 60 if unit.startswith("h") else qty
        if 0 < minutes <= 8 * 60:
            out["duration_minutes"] = int(minutes)
    tz = _TZ.search(original)
    if tz:
        out["timezone"] = tz.group(1)
    return out


_DATE_EXPR = (
    r"\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?(?![\d:])"
    r"|(?:(?:" + _WD + r")\.?,?\s+)?(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?(?:\s+(?:of\s+)?" + _MON
    + r"\.?)?(?:,?\s+\d{4})?(?![/\d]|\s*(?:am|pm|:|h\b|hours|minutes|days|weeks))"
    r"|(?:(?:" + _WD + r")\.?,?\s+)?" + _MON + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|(?:next\s+)?(?:" + _WD + r")(?!\s+(?:or|and)\b)"
    r"|" + _MON + r"(?:\s+\d{4})?"
    r"|tomorrow|next week|the new year|new year"
)  # fmt: skip
_RETURN_ANCHOR = re.compile(
    r"\b(?:until|till|til|through|thru|back|return|returning|returns|resume|resuming|"
    r"in the office|out)\b(?:\s+(?:on|in|by|from|at|the|to the office|to work|office|after|"
    r"of the office|of office))*\s+(?P<date>" + _DATE_EXPR + r")\b",
    re.IGNORECASE,
)
_DATE_ANYWHERE = re.compile(r"(?P<date>" + _DATE_EXPR + r")", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def resolve_date_phrase(phrase: str, reference: datetime) -> tuple[date, str] | None:
    """A date phrase ("Monday 3rd", "12/01", "November 30", "the 24th", "January") as the
    first matching date after `reference` (the email's date), with its precision."""
    text = phrase.lower().strip().rstrip(".,")
    ref = reference.date()
    if text == "tomorrow":
        return ref + timedelta(days=1), "day"
    if text == "next week":
        return ref + relativedelta(days=1, weekday=0), "week"
    if text in ("new year", "the new year"):
        return date(ref.year + 1, 1, 1), "month"
    weekday = next((i for i, w in enumerate(_WEEKDAYS) if w in text), None)
    rest = re.sub(_WD, " ", text)
    rest = re.sub(r"\b(next|the|of|on)\b|,", " ", rest)
    rest = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", rest).strip()
    if not rest:
        if weekday is None:
            return None
        return ref + relativedelta(days=1, weekday=weekday), "day"
    try:
        a = date_parser.parse(rest, default=datetime(2000, 1, 1))
        b = date_parser.parse(rest, default=datetime(2004, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    has_day, has_month, has_year = a.day == b.day, a.month == b.month, a.year == b.year
    if has_day and has_month and has_year:
        return a.date(), "day"
    if has_day and has_month:
        cand = date(ref.year, a.month, 1)
        for add in range(0, 9):
            year = ref.year + add
            try:
                cand = date(year, a.month, a.day)
            except ValueError:
                continue
            if cand > ref and (weekday is None or cand.weekday() == weekday or add >= 1):
                break
        if weekday is not None and cand.weekday() != weekday:
            # a weekday that contradicts the written date: trust the date
            try:
                cand = date(ref.year, a.month, a.day)
            except ValueError:
                return None
            if cand <= ref:
                cand = date(ref.year + 1, a.month, a.day)
        return cand, "day"
    if has_day:
        # the next such day; a weekday that agrees within about two months picks that one
        first: date | None = None
        for add in range(0, 13):
            month_start = date(ref.year, ref.month, 1) + relativedelta(months=add)
            try:
                cand = month_start.replace(day=a.day)
            except ValueError:
                continue
            if cand <= ref:
                continue
            first = first or cand
            if weekday is None or cand.weekday() == weekday:
                return cand, "day"
            if (cand - ref).days > 70:
                break
        return (first, "day") if first else None
    if has_month:
        year = ref.year if a.month > ref.month else ref.year + 1
        if has_year:
            year = a.year
        return date(year, a.month, 1), "month"
    return None


def _ooo_details(email: InboundEmail, original: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    match = _RETURN_ANCHOR.search(original) or _DATE_ANYWHERE.search(original)
    if match is None:
        return out
    phrase = match.group("date").strip()
    out["return_date_text"] = phrase
    if email.date is None:
        return out
    resolved = resolve_date_phrase(phrase, email.date)
    if resolved is None:
        return out
    when, precision = resolved
    anchor = match.group(0).lower()
    if re.match(r"(through|thru)\b", anchor) and precision == "day":
        when = when + timedelta(days=1)  # out through the 30th: back on the 1st
    out["return_date"] = when.isoformat()
    out["return_date_precision"] = precision
    return out


def _proposal_details(original: str) -> dict[str, Any]:
    items = re.findall(
        r"\b(proposal|quote|quotation|pricing|price list|estimate|order form|contract|sow|"
        r"statement of work|msa)\b",
        original.lower(),
    )
    out: dict[str, Any] = {"items": list(dict.fromkeys(items))}
    seats = re.search(r"\b(\d{1,6})[- ](seats?|users?|licen[cs]es|reps)\b", original, re.I)
    if seats:
        out["quantity"] = int(seats.group(1))
    return out


def _extract(
    category: Category, email: InboundEmail, original: str, cue_start: int = 0
) -> dict[str, Any]:
    if category == "out_of_office":
        details = _ooo_details(email, original)
        alternates = [e for e in _EMAIL_RE.findall(original)]
        if alternates:
            details["alternate_contacts"] = alternates[:3]
        return details
    if category == "referral":
        return _referral_details(email, original, cue_start)
    if category == "meeting_request":
        return _meeting_details(original)
    if category == "proposal_request":
        return _proposal_details(original)
    return {}
