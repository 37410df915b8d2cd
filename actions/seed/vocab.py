"""Small word lists for synthetic data, as data: names, places, streets, words, products.

Plain ASCII, so that emails built from names stay valid without transliteration. Every list is a
tuple of distinct strings (the unique generators index into them); `COUNTRIES` holds what is
particular to each country: its phone numbers and postcodes as patterns of `patterns.py`, and
its cities.
"""

from __future__ import annotations

from typing import NamedTuple


def _words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split()))


def _lines(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split("|") if item.strip())


FIRST_NAMES = _words(
    """
    Olivia Emma Amelia Ava Sophia Isabella Mia Charlotte Harper Evelyn Abigail Emily Ella Grace
    Chloe Lily Hannah Zoe Nora Leah Lucy Alice Ruby Freya Isla Poppy Florence Daisy Sienna Phoebe
    Matilda Rosie Elsie Evie Maya Ivy Clara Eva Julia Laura Sara Anna Lea Marie Lena Sofia Giulia
    Chiara Martina Lucia Paula Carmen Elena Ines Camille Louise Manon Chloe Jade Zoe Ines Nina Elif
    Aisha Fatima Amira Yasmin Priya Ananya Mei Yuki Hana Sakura Noah Liam Oliver Elijah James
    William Benjamin Lucas Henry Theodore Jack Levi Alexander Jackson Mateo Daniel Michael Mason
    Sebastian Ethan Logan Owen Samuel Jacob Asher Aiden John Joseph Wyatt David Leo Luke Julian
    Hudson Grayson Matthew Ezra Gabriel Carter Isaac Jayden Luca Anthony Dylan Lincoln Thomas
    Maverick
    Elias Josiah Charles Caleb Christopher Ezekiel Miles Jaxon Isaiah Andrew Joshua Nathan Nolan
    Adrian Cameron Santiago Eli Aaron Ryan Angel Cooper Waylon Easton Kai Christian Landon Colton
    Roman Axel Brooks Jonathan Robert Jameson Ian Everett Greyson Wesley Jeremiah Hunter Leonardo
    Jordan Jose Bennett Silas Nicholas Parker Beau Weston Austin Connor Carson Dominic Xavier Jaxson
    Jace Emmett Adam Declan Rowan Micah Kayden Gael River Ryder Kingston Damian Sawyer Luka Evan
    Vincent Legend Myles Harrison August Bryson Amir Giovanni Chase Diego Milo Jasper Omar Arjun
    Ravi Kenji Hiroshi Chen Wei Jonas Felix Paul Finn Emil Anton Matteo Pierre Louis Hugo Arthur
    """
)

LAST_NAMES = _words(
    """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
    Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
    Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
    Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
    Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
    Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
    Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders
    Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler
    Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton
    Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina
    Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington
    Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter
    Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black
    Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson
    Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce
    Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane
    Riley Andrews Ray Berry Perkins Hoffman Johnston Matthews Pena Richards Willis Carpenter
    Lawrence
    Muller Schneider Fischer Weber Becker Schulz Koch Richter Wolf Schroeder Neumann Bernard Dubois
    Durand Leroy Moreau Laurent Lefebvre Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci
    Jansen Visser Smit Bakker Janssen Kowalski Nowak Novak Horvat Nielsen Larsen Andersen Berg
    Tanaka Suzuki Takahashi Watanabe Yamamoto Sato Wang Li Zhang Liu Yang Huang Singh Kumar Shah
    """
)

STREET_NAMES = _words(
    """
    Oak Maple Cedar Pine Elm Willow Birch Ash Chestnut Walnut Cherry Hawthorn Holly Juniper Laurel
    Park Lake Hill River Spring Meadow Forest Valley Garden Orchard Church Mill Market Station
    Bridge
    High King Queen Victoria Albert Church Manor Castle Abbey Priory Chapel Grove North South East
    West Main Front Center Union Washington Lincoln Jefferson Franklin Madison Highland Sunset Ridge
    Harbour Bay Quarry Windmill Kingsway Broad Long Green Vale Crown Rose Heather Clover Primrose
    """
)
STREET_SUFFIXES = _words("Street Road Avenue Lane Drive Close Way Place Court Crescent Terrace Row")

WORDS = _words(
    """
    account address agent answer area article balance basket batch billing board branch budget
    buyer cable cart catalog change channel charge check client code comment contact content cost
    coupon credit customer cycle damage data delivery demand deposit design detail device discount
    dispatch document draft driver entry error estimate event exchange export feature fee field
    figure file filter flow format freight fund gift goods grade group guide handle history hold
    import income index invoice issue item journal label layout ledger level limit line list load
    lot margin market member memo method model module note notice number offer order origin owner
    package page panel parcel part partner payment period permit picker plan point policy portal
    price print process product profile project promise quality quantity query quote range rate
    rebate receipt record refund region release remark report request reserve result return review
    route rule sale sample schedule scope section seller series service session shelf shipment
    signal size slot source stage standard status step stock store supply support survey system
    target task tax term ticket total track trade transfer trial type unit update usage value
    vendor version voucher warehouse warranty week weight window work zone quick slow late early
    fresh spare open closed partial final urgent regular special bulk manual automatic
    """
)

PRODUCT_ADJECTIVES = _words(
    """
    Classic Compact Deluxe Eco Handy Modern Smart Sturdy Rustic Sleek Vintage Premium Essential
    Portable Foldable Stackable Elegant Minimal Bold Cozy Bright Quiet Light Heavy Soft Slim Grand
    Tiny Large Mini Ultra Pro Royal Urban Nordic Coastal Alpine Garden Studio Travel Everyday Cosmic
    Golden Silver Rapid Gentle Clever Lucky Happy Simple Pure
    """
)
PRODUCT_MATERIALS = _words(
    """
    Oak Bamboo Steel Copper Brass Glass Ceramic Cotton Linen Wool Leather Marble Granite Walnut
    Cork Rattan Enamel Porcelain Silicone Aluminium Stone Clay Felt Jute Teak
    """
)
PRODUCT_NOUNS = _words(
    """
    Basket Bottle Clock Lamp Mug Planter Vase Bowl Plate Tray Jar Kettle Teapot Pan Pot Knife Board
    Shelf Stool Chair Table Desk Bench Rack Hook Mirror Frame Candle Cushion Blanket Rug Towel Apron
    Notebook Pen Pencil Folder Stapler Organizer Calendar Backpack Wallet Umbrella Watering-Can
    Trowel Rake Shears Hose Feeder Birdhouse Lantern Puzzle Kite Robot Ball Blocks Doll Train
    """
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "shop.example")


class Country(NamedTuple):
    """What synthetic phones, postcodes and cities look like in one country."""

    phone: str  # E.164, as a pattern: `+`, the country code, then the national number
    postcode: str
    cities: tuple[str, ...]


COUNTRIES: dict[str, Country] = {
    "GB": Country(
        r"\+447[1-9][0-9]{8}",
        "[A-PR-UWYZ][A-HK-Y][1-9] [0-9][ABD-HJLNP-UW-Z]{2}",
        _lines(
            """London|Manchester|Birmingham|Leeds|Glasgow|Liverpool|Bristol|Sheffield|Edinburgh|
            Cardiff|Leicester|Nottingham|Newcastle|Brighton|Oxford|Cambridge|York|Bath|Belfast|
            Aberdeen|Norwich|Exeter|Reading|Southampton|Plymouth"""
        ),
    ),
    "US": Country(
        r"\+1[2-9][0-9]{2}[2-9][0-9]{6}",
        "[0-9]{5}",
        _lines(
            """New York|Los Angeles|Chicago|Houston|Phoenix|Philadelphia|San Antonio|San Diego|
            Dallas|Austin|Seattle|Denver|Boston|Portland|Atlanta|Miami|Minneapolis|Nashville|
            Detroit|Baltimore|Milwaukee|Albuquerque|Tucson|Sacramento|Omaha"""
        ),
    ),
    "DE": Country(
        r"\+491[5-7][0-9]{9}",
        "[0-9]{5}",
        _lines(
            """Berlin|Hamburg|Munich|Cologne|Frankfurt|Stuttgart|Dusseldorf|Leipzig|Dortmund|
            Essen|Bremen|Dresden|Hanover|Nuremberg|Bonn|Freiburg|Heidelberg|Kiel|Mainz|Potsdam"""
        ),
    ),
    "FR": Country(
        r"\+33[67][0-9]{8}",
        "[0-9]{5}",
        _lines(
            """Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|Lille|
            Rennes|Reims|Toulon|Grenoble|Dijon|Angers|Nimes|Brest|Tours|Limoges"""
        ),
    ),
    "NL": Country(
        r"\+316[0-9]{8}",
        "[1-9][0-9]{3} [A-RT-Z][A-Z]",
        _lines(
            """Amsterdam|Rotterdam|The Hague|Utrecht|Eindhoven|Groningen|Tilburg|Almere|Breda|
            Nijmegen|Haarlem|Arnhem|Leiden|Maastricht|Delft|Zwolle|Amersfoort|Apeldoorn"""
        ),
    ),
    "ES": Country(
        r"\+34[67][0-9]{8}",
        "[0-4][0-9]{4}",
        _lines(
            """Madrid|Barcelona|Valencia|Seville|Zaragoza|Malaga|Murcia|Palma|Bilbao|Alicante|
            Cordoba|Valladolid|Vigo|Gijon|Granada|Oviedo|Pamplona|Santander|Toledo|Salamanca"""
        ),
    ),
    "IT": Country(
        r"\+393[0-9]{9}",
        "[0-9]{5}",
        _lines(
            """Rome|Milan|Naples|Turin|Palermo|Genoa|Bologna|Florence|Bari|Catania|Venice|Verona|
            Messina|Padua|Trieste|Parma|Modena|Perugia|Pisa|Siena"""
        ),
    ),
}
