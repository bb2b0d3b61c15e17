/** French-flavoured vocabulary for deterministic demo content. */

export const PAINTING_SUBJECTS = [
  "Les Nymphéas",
  "Lumière",
  "Coucher de soleil",
  "Portrait de Camille",
  "Le Port",
  "Champ de lavande",
  "Nature morte aux poires",
  "La Falaise",
  "Brume",
  "Le Jardin",
  "Rêverie",
  "Le Pont",
  "Bouquet de pivoines",
  "Marine",
  "L'Atelier",
  "Les Coquelicots",
  "La Liseuse",
  "Vue sur les toits",
  "Composition",
  "Les Oliviers",
  "La Baigneuse",
  "Le Marché",
  "Forêt de Fontainebleau",
  "Étude en bleu",
  "Les Vignes",
  "La Cathédrale",
  "Femme à l'ombrelle",
  "Le Phare",
  "Jeune fille au chapeau",
  "Éclats",
] as const;

export const PAINTING_COMPLEMENTS = [
  "du soir",
  "à Giverny",
  "sur la Seine",
  "en automne",
  "au crépuscule",
  "d'été",
  "d'hiver",
  "de Provence",
  "à l'aube",
  "sous la pluie",
  "en Bretagne",
  "de Normandie",
  "n° 2",
  "n° 7",
  "rouge",
  "bleue",
  "aux reflets d'or",
  "de printemps",
  "",
  "",
] as const;

export const CATEGORIES = [
  ["Paysage", 30],
  ["Portrait", 20],
  ["Abstrait", 20],
  ["Nature morte", 15],
  [null, 15],
] as const satisfies readonly (readonly [string | null, number])[];

export const TECHNIQUES = [
  ["Huile sur toile", 35],
  ["Aquarelle", 20],
  ["Acrylique sur toile", 15],
  ["Pastel sec", 8],
  ["Fusain", 5],
  ["Gouache", 5],
  ["Technique mixte", 7],
  [null, 5],
] as const satisfies readonly (readonly [string | null, number])[];

export const FIRST_NAMES = [
  "Camille",
  "Léa",
  "Manon",
  "Chloé",
  "Inès",
  "Juliette",
  "Louise",
  "Élodie",
  "Margaux",
  "Zoé",
  "Hélène",
  "Anaïs",
  "Sophie",
  "Claire",
  "Noémie",
  "Lucas",
  "Hugo",
  "Louis",
  "Gabriel",
  "Arthur",
  "Jules",
  "Théo",
  "Raphaël",
  "Mathis",
  "Étienne",
  "François",
  "Jérôme",
  "Benoît",
  "Antoine",
  "Noël",
] as const;

export const LAST_NAMES = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefèvre",
  "Michel",
  "Garcia",
  "David",
  "Bertrand",
  "Roux",
  "Vincent",
  "Fournier",
  "Morel",
  "Girard",
  "André",
  "Lefebvre",
  "Mercier",
  "Dupont",
  "Lambert",
  "Bonnet",
  "François",
  "Mathieu",
  "Chevalier",
  "Gauthier",
  "Perrin",
  "Rousseau",
  "Blanc",
  "Guérin",
  "Boyer",
  "Garnier",
  "Faure",
  "Côté",
] as const;

export const EMAIL_DOMAINS = ["example.com", "example.org", "example.net"] as const;

export const ORDER_STATUSES = [
  ["Livrée", 35],
  ["En cours", 25],
  ["Expédiée", 15],
  ["Confirmée", 15],
  ["Annulée", 10],
] as const satisfies readonly (readonly [string, number])[];

/** The Template's order life cycle, for `change()`. */
export const ORDER_STATUS_FLOW = ["En cours", "Confirmée", "Expédiée", "Livrée"] as const;

export const CITIES = [
  "Paris",
  "Lyon",
  "Bordeaux",
  "Nantes",
  "Lille",
  "Toulouse",
  "Marseille",
  "Strasbourg",
  "Rennes",
  "Montpellier",
  "Aix-en-Provence",
  "Annecy",
  "Honfleur",
  "Saint-Malo",
  "Arles",
] as const;

export const VENUES = [
  "Galerie des Arts",
  "Espace Lumière",
  "Galerie du Vieux Port",
  "Salon d'automne",
  "Atelier ouvert",
  "Musée des Beaux-Arts",
  "Galerie Saint-Jacques",
  "Maison des Artistes",
] as const;

export const EXHIBITION_TITLES = [
  "Lumières d'automne",
  "Couleurs du Sud",
  "Regards croisés",
  "Au fil de l'eau",
  "Paysages intérieurs",
  "Portraits de femmes",
  "L'Été des peintres",
  "Éclats de lumière",
  "Carnets de voyage",
  "Matières et couleurs",
] as const;

export const EXHIBITION_DESCRIPTIONS = [
  "Vernissage en présence de l'artiste, verre de l'amitié offert.",
  "Une sélection d'œuvres récentes, huiles et aquarelles.",
  "Exposition collective autour du paysage et de la lumière.",
  "Entrée libre, ouvert à tous.",
] as const;

export const CUSTOM_REQUEST_STATUSES = [
  ["En attente", 45],
  ["En cours", 25],
  ["Acceptée", 15],
  ["Terminée", 10],
  ["Refusée", 5],
] as const satisfies readonly (readonly [string, number])[];

export const CUSTOM_REQUEST_SUBJECTS = [
  "Portrait de famille à l'huile",
  "Paysage de notre maison de campagne",
  "Portrait de notre chien",
  "Toile abstraite pour le salon",
  "Aquarelle de mariage",
  "Fresque pour une chambre d'enfant",
  "Nature morte pour une salle à manger",
  "Copie d'un tableau de famille",
] as const;

export const FORMATS = ["30x40", "50x70", "60x80", "80x100", "100x150"] as const;

/** ASCII slug as werkzeug's secure_filename would make it: accents dropped, spaces to underscores. */
export function secureFilename(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._ -]/g, "")
    .trim()
    .replace(/\s+/g, "_");
}

const slugs = new Map<string, string>();

/** Lower-case ASCII for e-mail local parts: `Élodie Côté` → `elodie.cote` (memoised: names repeat). */
export function emailSlug(text: string): string {
  let slug = slugs.get(text);
  if (slug === undefined) {
    slug = secureFilename(text)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "");
    if (slugs.size < 10_000) slugs.set(text, slug);
  }
  return slug;
}
