"""Exercise illustrations: poses as data, drawn as small pictogram SVGs.

Every exercise has a pose file ``exercises_db/illustrations/<slug>.toml`` holding only numbers
and names. :func:`parse_illustration` validates one file; :func:`render_svg` draws it as a
compact inline ``<svg>`` (start and end panels with a motion arrow, or one panel for a hold),
with the working body parts and the arrows in the clinic's accent colour.

Colours and print size
    The body is light grey with a dark outline; the working parts (``highlight``) are filled with
    the accent, so they stand out by lightness (>= 3:1 for any accent that reaches 4.5:1 on white)
    and still read in greyscale (``render_svg(..., greyscale=True)`` draws no colour at all). In
    the side view the far arm and leg are white with a grey outline, behind the body; a far working
    limb is a lighter tint of the accent. Panels carry no numbers: the handout prints "Start" and
    "Finish" under them, placed with :func:`panel_layout`. A figure prints about 64 mm wide, or
    170 mm when its viewBox is at least ``WIDE_FIGURE_ASPECT`` times as wide as high (two panels of
    someone lying down); arrowheads are sized to be at least 4 mm long at that width.

The skeleton
    A pictogram body about 170 units (cm) tall: ``head``, ``trunk`` (the chest), ``pelvis`` and,
    for each side, ``upper_arm``, ``forearm`` (with the hand), ``thigh``, ``shin`` and ``foot``.
    Limbs are ``near_...`` (towards the viewer in the side view; the top side when lying on the
    side; the picture's right in the front view) or ``far_...`` (drawn white with a grey outline
    behind the body in the side view). These names are the *parts* used by ``highlight``, ``ground``,
    props and so on. Named *points* for arrows and props: ``head``, ``neck``, ``chest``,
    ``waist``, ``pelvis`` (between the hip joints) and per side ``shoulder``, ``elbow``,
    ``wrist``, ``hand``, ``hip``, ``knee``, ``ankle``, ``heel``, ``toe``.

Angles (degrees; every joint not written is 0, which is standing upright, arms hanging)
    Body: ``trunk`` leans the chest forward (90 = face down, -90 = lying on the back);
    ``trunk_side`` leans it sideways towards the far side (90 = lying on the far side, near side
    up, head to the left in the front view); ``spine`` tucks the pelvis under relative to the
    chest, rounding the low back (cat: about 28; negative = low back arched: camel about -20, a
    prone press-up about -40; from 10 either way the low back is drawn as a curve);
    ``spine_turn`` turns the pelvis about the spine relative to the chest, positive towards the
    far side (lying on the back with the knees bent, the knees drop to the far side: lower-trunk
    rotation); ``trunk_turn`` turns the chest, and the body below it, about the chest's own long
    axis towards the near side, so a seated or standing twist (the chest turned, the hips still)
    is ``trunk_turn = 40`` with ``spine_turn = 40``; ``spine_side`` hitches the near side of the pelvis up;
    ``neck`` bends the chin towards the chest.
    Limbs (``knee = 90`` sets both sides, ``near_knee`` / ``far_knee`` one side): ``hip`` raises
    the thigh forward (negative = behind), ``hip_out`` moves the leg out to its side (negative =
    across the body), ``hip_turn`` turns the thigh out about its own axis, ``knee`` bends the heel
    towards the buttock, ``ankle`` pulls the toes up (negative = pointed), ``shoulder`` raises the
    arm forward (150-170 = overhead; negative = behind), ``shoulder_out`` raises it out to the
    side (negative = reached across the body: with ``shoulder = 90`` the arm swings level across
    the chest, a cross-body stretch), ``shoulder_turn`` turns the upper arm about its own axis
    (positive = turned out: with the elbow at the side bent 90 the forearm swings out away from
    the belly; negative = turned in, the forearm across the belly; a hand behind the back is
    ``shoulder = -30``, ``elbow = 90``, ``shoulder_turn = -80``), ``elbow`` bends the forearm.
    Shoulder turning reads best in the ``top`` view of someone lying on the back (arm out to
    the side, elbow bent up) or a ``front`` view with ``elevation`` (standing, elbow at the
    side; ``elevation = 35`` with ``turn = -30`` shows the forearm that points at the viewer).
    Ranges are checked (e.g. knee 0..160); the body is posed in 3-D and projected, so a thigh
    turned towards the viewer is drawn foreshortened.

Placement (keys in a pose table besides the angles)
    The lowest part rests on the floor (on the mat if there is one), or ``ground = [parts]``
    names the one or two parts that do; with two, ``solve = "joint"`` adjusts that joint (a
    plain limb joint such as ``knee`` adjusts both sides) until both touch. ``flat = ["near",
    "far"]`` keeps those feet flat on the floor, ``lift`` raises the body (a bike's pedals), and
    in the end pose ``fixed = "point"`` keeps that point where the start pose had it (the heel
    that stays planted), instead of placing the body on the floor again.

Views
    ``view = "side"`` (default), ``"front"`` (side steps, leg out to the side, lying on the side;
    ``elevation = 40`` raises the camera to look down, e.g. for the clamshell) or ``"top"``
    (looking down on someone lying on their back, e.g. sliding a leg out). ``turn = 30`` swings
    a side or front camera that many degrees round the body towards the picture's right (negative:
    left) for a three-quarter view, so that a limb pointing at the camera is seen across the
    picture (the forearm under a side plank, the crossed shin of a figure-4 stretch).
    In the top view ``turn`` (up to 90) turns the picture itself: someone lying on the side is
    drawn head up from above, and ``turn = 90`` puts the head to the left.

Props (``props = ["mat", { type = "band", around = ["near_thigh", "far_thigh"] }]``)
    ``floor`` (always drawn), ``mat``, ``chair`` (under the pelvis or ``at`` a point's x;
    ``backrest``, ``height``, ``hold = "near_hand"`` to stand it beside the body under a hand,
    ``side`` of its backrest; ``side = "behind"`` draws it seen from its front, standing behind
    the body: sitting sideways on a chair, or a chair beside the body), ``wall`` and
    ``counter`` (``at`` a point, ``side = "left" | "right" | "behind"``), ``step`` (under a foot;
    ``height``), ``rail`` (a stair rail ``at`` a hand, seen end on, for the front view),
    ``pillow`` (under the head or ``at`` a part; with ``along = 0.75`` it fills up under the part
    that fraction of the way along it, e.g. under the thigh near the knee), ``ball`` (``at``, ``radius``),
    ``band`` / ``belt`` / ``weight`` (``around`` one or two parts, ``at`` a fraction along them),
    ``belt`` / ``towel`` held ``from`` a hand ``to`` a foot, a folded ``towel`` ``at`` a point, and
    ``bike``. For advice pictures: ``bed`` (the body lies on its mattress), ``reacher`` (a long
    grabber held ``from`` a hand to the floor), a ``pillow`` ``between`` two points (the knees) and
    a ``soft`` low chair. Furniture is fitted to the start pose (or ``panel = 2``) and stays put.
    Knee, low back and shoulder: ``stick`` (a broom handle) held ``from = "near_hand"`` ``to =
    "far_hand"``, drawn through both hands and a little beyond, or pushed at one end by one hand,
    ``length`` units towards the other hand (stick-assisted turn-out; a stick across the body
    is seen end on, as a dot, in a plain side view: use ``turn`` or the front or top view); ``door`` (a doorway's edge
    ``at`` a point, ``side`` left or right of it, a tall frame from the floor to above the head:
    doorway stretch); a ``band`` held ``from`` a hand ``to = "door"`` (tied in a closed door
    drawn at the ``side`` it goes to, the knot at the hand's height or ``at`` a height; band row,
    turn-out and turn-in) or ``to`` another point; ``dumbbell`` (``in`` a hand); ``table`` (a
    table top under a hand, ``at``, at sitting height, on legs: table slide; ``counter`` is the
    standing-height cabinet); ``towel_roll`` (a rolled towel on the floor ``at`` a point: under
    the heel, or the knee). A ``step`` ends at the toes of the foot on it when the other foot
    steps down in front of it (step-down off the edge).

Motion
    For a movement, :func:`render_motion_svg` draws the same figure as one panel that moves from
    the start pose to the finish and back (SVG SMIL, started by the page's script; no arrows), for
    the patient's phone page. A hold has nothing to move: it returns None.

Movement tags
    :mod:`.movement` measures on the posed body which safety-rule movements each figure shows
    (the hip bent past a right angle, a leg across the body, a knee bent while standing on it,
    the low back rounded under load or arched to the end, an arm overhead, a shoulder turned,
    ...); the catalog adds them to each exercise's hand-written tags.

File format
    ::

        alt = "Lying on your back with your knees bent, then lifting your hips."   # required
        highlight = ["pelvis", "near_thigh"]    # the working parts, in the accent colour
        props = ["mat"]
        view = "side"

        [start]                                 # required
        trunk = -90
        hip = 45
        knee = 90
        flat = ["near", "far"]
        ground = ["trunk", "near_foot"]
        solve = "knee"

        [end]                                   # only for a movement: makes two panels
        trunk = -118
        hip = 0
        knee = 105
        ground = ["trunk", "near_foot"]
        solve = "trunk"
        fixed = "near_heel"

        [motion]                                # required with [end] (or [[motion]] for several),
                                                # unless a straight [[arrows]] shows the movement
        point = "pelvis"                        # the arrow follows this point from start to end
        offset = -14                            # units away from its pivot (its parent joint);
                                                # a short path is stretched to stay readable

        [[arrows]]                              # straight arrows, e.g. for a hold: push, lean
        point = "near_knee"
        direction = -90                         # degrees: 0 = right, 90 = up
        offset = 10
        length = 16
"""

from .motion import render_motion_svg
from .poses import Arrow, Illustration, Pose, Prop, parse_illustration
from .render import WIDE_FIGURE_ASPECT, PanelLayout, figure_colours, panel_layout, render_svg

__all__ = ["WIDE_FIGURE_ASPECT", "Arrow", "Illustration", "PanelLayout", "Pose", "Prop",
           "figure_colours", "panel_layout", "parse_illustration", "render_motion_svg", "render_svg"]
