"""Builds ``common_passwords.txt``: common passwords and the ways people pad them.

Run ``python -m prescribe.accounts.build_common_passwords`` after editing the base words.
"""

from __future__ import annotations

from pathlib import Path

# Base words: the tops of the published frequency lists, typed in from memory (see HEADER).
BASE = """
123456 password 123456789 12345678 12345 qwerty 1234567 111111 1234567890 123123 abc123 1234
password1 iloveyou 1q2w3e4r 000000 qwerty123 zaq12wsx dragon sunshine princess letmein 654321
monkey 1qaz2wsx 123321 qwertyuiop superman asdfghjkl trustno1 jordan23 welcome shadow master
football baseball michael charlie ashley bailey passw0rd 696969 mustang access batman starwars
hello freedom whatever qazwsx ninja azerty solo loveme hottie flower hunter killer soccer
jennifer jordan harley ranger buster thomas tigger robert daniel andrew joshua hannah jessica
pepper ginger cheese summer winter spring autumn matthew computer internet samsung google
secret lovely 555555 666666 777777 888888 999999 121212 112233 123qwe qwe123 abcdef abcd1234
aa123456 a123456 123abc admin administrator root toor guest test test123 changeme default login
user pass 12qwaszx q1w2e3r4 q1w2e3r4t5 1q2w3e zxcvbnm asdf1234 asdfgh qwert 11111111 88888888
987654321 147258369 159753 741852963 123654 7777777 babygirl nicole anthony liverpool chelsea
arsenal manchester barcelona realmadrid pokemon minecraft fortnite roblox naruto pikachu
spiderman ironman matrix mypassword yourpassword letmein passpass iloveu iloveyou2 lovers
friends family forever angel angels jesus christ blessed heaven faith hope charlotte
michelle amanda melissa jasmine sophie olivia emma chloe lucy daisy maggie molly buddy max
rocky lucky bandit tiger lion eagle falcon phoenix thunder lightning storm snoopy scooby
mickey minnie garfield kitty kitten puppy doggie cookie chocolate banana orange apple cherry
strawberry peaches pumpkin butterfly rainbow unicorn dolphin
silver golden diamond crystal purple yellow orange blue green black white red
corvette ferrari porsche mercedes yamaha honda harley camaro
hockey tennis golf basketball yankees cowboys steelers lakers redsox packers eagles
dallas texas boston chicago london paris berlin madrid america canada england ireland
scotland australia mexico brazil germany france italy india japan china
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
qwertyui qwertyu asdfasdf zxcvzxcv qweasd qweasdzxc 1qazxsw2 zaq1zaq1 qazxsw
abcdefg abcdefgh abcdefghi 123456a 123456q 12345a 12345q a12345 q12345
killer1 hacker hack3r hacked secret1 private security letmein2 openup opensesame
whatever1 nothing something anything everything someone nobody
superstar rockstar popstar starlight moonlight sunlight
computer1 laptop desktop windows linux ubuntu apple macbook iphone android samsung1
welcome1 welcome2 hello1 hello123 hellohello helloworld goodbye
trustme believe imagine dreamer dreams destiny
cocacola pepsi coffee whiskey vodka beer tequila
marlboro camel newport
baseball1 football1 soccer1 hockey1 golfer
master1 master12 mastermind shadow1 dragon1 monkey1 sunshine1 princess1 superman1 batman1
starwars1 pokemon1 charlie1 michael1 jordan1 jessica1 ashley1 thomas1 daniel1
nurse doctor hospital clinic patient physio physiotherapy therapist therapy health healthcare
rehab exercise fitness workout stretch prescribe riverside medical medicine
correcthorsebatterystaple
iloveyoubaby iloveyou123 iloveyou1234 ihateyou
password password123 passwordpassword password1234 password12345 passw0rd123
p@ssword p@ssw0rd pa$$word pa55word passwort motdepasse contrasena senha wachtwoord
qwertyuiop123 qwerty12345 qwerty123456 1qaz2wsx3edc 1qaz2wsx3edc4rfv zaq12wsxcde3
q1w2e3r4t5y6 1q2w3e4r5t6y 1q2w3e4r5t 1q2w3e4r5t6y7u8i9o0p qazwsxedc qazwsxedcrfv
asdfghjklzxcvbnm qwertyuiopasdfghjkl qwertyuiopasdfghjklzxcvbnm zxcvbnmasdfghjkl
abcdefghijkl abcdefghijklmnop abcdefghijklmnopqrstuvwxyz abc123abc123
123456789012 1234567890123 12345678901234 123456789123 1234512345 1234567812345678
098765432112 0987654321 9876543210 11223344 112233445566 1122334455 121212121212
123123123123 123412341234 147852369 159357 159753159753 741852 963852741 789456123 789456
000000000000 111111111111 222222222222 123321123321 102030 10203040 1020304050
"""
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "!", "123!", "2024", "2025", "2026", "pass", "password"]
PREFIXES = ["", "my", "ilove"]
LEET = str.maketrans({"a": "@", "o": "0", "e": "3", "s": "$", "i": "1"})


def common_passwords() -> list[str]:
    """Every entry of the list: base words and their padded variants, sorted."""
    words = sorted(set(BASE.split()))
    out = set()
    for w in words:
        out.add(w)
        for prefix in PREFIXES:
            for suffix in SUFFIXES:
                out.add(prefix + w + suffix)
        out.add(w + w)
        out.add(w.translate(LEET))
        out.add(w.translate(LEET) + "123")
        out.add(w.translate(LEET) + "1234")
        out.add(w.translate(LEET) + "!")
        if w.isalpha():
            out.add(w[::-1])
    return sorted({p for p in out if len(p) >= 8} | set(words))


HEADER = """# Common passwords refused by Prescribe (one per line, compared case-insensitively).
#
# Where it comes from: the base words are the passwords that top the widely published
# frequency lists compiled from public breach corpora (the familiar "top 100/1000" lists:
# 123456, password, qwerty, iloveyou, dragon, ...), typed in from memory because this project
# builds offline, plus names, sports teams, keyboard walks, digit runs and words a clinic's
# staff would reach for (clinic, patient, physio, rehab, prescribe). Each base word is then
# expanded the way people pad passwords to pass a length rule: prefixes (my, ilove),
# suffixes (1, 123, 1234, !, recent years, 'pass', 'password'), doubling, reversal and leet
# spelling. Variants shorter than 8 characters are left out (the length rule refuses them);
# the base words stay, whatever their length, for the core check below.
# This is not a breach corpus; accounts.passwords also refuses a password whose core, once
# trailing digits and symbols are stripped, is one of these words, and one built from the
# user's own email address. Regenerate with `python -m prescribe.accounts.build_common_passwords`
# after editing its base words; do not edit this file by hand.
"""


def main() -> None:
    target = Path(__file__).with_name("common_passwords.txt")
    target.write_text(HEADER + "\n".join(common_passwords()) + "\n", encoding="utf-8")
    print(f"Wrote {target} ({len(common_passwords())} entries).")


if __name__ == "__main__":
    main()
