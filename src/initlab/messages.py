"""Message catalog for everything a user reads in the terminal: errors, warnings and job messages.

Each entry is a ``str.format`` template in English and in French (as written for a
Québec course). ``render_message`` falls back to English for an unknown language.
"""

LANGUAGES = ("en", "fr")

MESSAGES: dict[str, dict[str, str]] = {
    # Dataset choice
    "dataset_requested": {
        "en": "Dataset: {dataset}, as set in the config.",
        "fr": "Jeu de données : {dataset}, tel que demandé dans la configuration.",
    },
    "cifar10_local_copy": {
        "en": "Dataset: CIFAR-10, read from {folder}.",
        "fr": "Jeu de données : CIFAR-10, lu dans {folder}.",
    },
    "cifar10_download": {
        "en": "Dataset: CIFAR-10, downloaded once from {url} into {folder}.",
        "fr": "Jeu de données : CIFAR-10, téléchargé une seule fois depuis {url} dans {folder}.",
    },
    "dataset_fallback_digits": {
        "en": (
            "Dataset: scikit-learn's digits (1,797 images of 8x8 pixels), NOT CIFAR-10: no copy of CIFAR-10 was found "
            "and {url} cannot be reached from this machine. To run the lab on CIFAR-10, set data_dir to a folder "
            "containing cifar-10-batches-py, or run once with network access so that it is downloaded into {download_dir}."
        ),
        "fr": (
            "Jeu de données : les chiffres manuscrits de scikit-learn (1 797 images de 8x8 pixels), et NON CIFAR-10 : "
            "aucune copie de CIFAR-10 n'a été trouvée et {url} est injoignable depuis cette machine. Pour faire le "
            "laboratoire sur CIFAR-10, indiquez dans data_dir un dossier qui contient cifar-10-batches-py, ou lancez "
            "une première exécution avec accès au réseau pour le télécharger dans {download_dir}."
        ),
    },
    # Data errors
    "data_dir_missing": {
        "en": (
            "data_dir {data_dir} does not exist. Set data_dir to the folder that contains cifar-10-batches-py "
            "(or to that folder itself), or remove data_dir from the config to download CIFAR-10."
        ),
        "fr": (
            "Le dossier data_dir {data_dir} n'existe pas. Indiquez dans data_dir le dossier qui contient "
            "cifar-10-batches-py (ou ce dossier lui-même), ou retirez data_dir de la configuration pour télécharger CIFAR-10."
        ),
    },
    "data_dir_not_folder": {
        "en": (
            "data_dir {data_dir} is a file, not a folder. Set data_dir to the folder that contains "
            "cifar-10-batches-py; an archive such as cifar-10-python.tar.gz must be extracted first."
        ),
        "fr": (
            "data_dir {data_dir} est un fichier, pas un dossier. Indiquez dans data_dir le dossier qui contient "
            "cifar-10-batches-py; une archive comme cifar-10-python.tar.gz doit d'abord être décompressée."
        ),
    },
    "cifar10_not_in_data_dir": {
        "en": (
            "data_dir {data_dir} holds no {folder} folder with CIFAR-10 files. Copy the extracted official archive "
            "(cifar-10-python.tar.gz) there, or point data_dir at the folder that contains {folder}."
        ),
        "fr": (
            "Le dossier data_dir {data_dir} ne contient pas de dossier {folder} avec les fichiers de CIFAR-10. "
            "Copiez-y l'archive officielle décompressée (cifar-10-python.tar.gz), ou indiquez dans data_dir le "
            "dossier qui contient {folder}."
        ),
    },
    "cifar10_unavailable": {
        "en": (
            "dataset is set to cifar10, but no copy was found and {url} cannot be reached. Copy the extracted "
            "official archive so that {download_dir}/{folder} exists, or set data_dir to a folder containing {folder}, "
            "or run once with network access. To run without CIFAR-10, set dataset: digits (or auto)."
        ),
        "fr": (
            "dataset vaut cifar10, mais aucune copie n'a été trouvée et {url} est injoignable. Copiez l'archive "
            "officielle décompressée pour que {download_dir}/{folder} existe, ou indiquez dans data_dir un dossier "
            "qui contient {folder}, ou lancez une exécution avec accès au réseau. Pour travailler sans CIFAR-10, "
            "utilisez dataset: digits (ou auto)."
        ),
    },
    "cifar10_file_missing": {
        "en": "CIFAR-10 file {file} is missing. Restore the complete {folder} folder from the official archive cifar-10-python.tar.gz.",
        "fr": "Le fichier CIFAR-10 {file} est absent. Rétablissez le dossier {folder} au complet à partir de l'archive officielle cifar-10-python.tar.gz.",
    },
    "cifar10_file_unreadable": {
        "en": "CIFAR-10 file {file} cannot be opened ({error}). Check its permissions, or copy the data to a folder you can read.",
        "fr": "Impossible d'ouvrir le fichier CIFAR-10 {file} ({error}). Vérifiez ses permissions, ou copiez les données dans un dossier lisible.",
    },
    "cifar10_checksum_mismatch": {
        "en": (
            "CIFAR-10 file {file} has MD5 {found}, but the official file has {expected}. The file is truncated, "
            "corrupt, or not from the official release (a re-packed copy or a subset). Replace it with the file "
            "from the official archive, or set verify_checksums: false to use this copy anyway; the report will "
            "then say that the data were not verified."
        ),
        "fr": (
            "Le fichier CIFAR-10 {file} a la somme MD5 {found}, alors que le fichier officiel a {expected}. Le "
            "fichier est tronqué, corrompu, ou ne provient pas de la version officielle (copie reconditionnée ou "
            "sous-ensemble). Remplacez-le par le fichier de l'archive officielle, ou mettez verify_checksums: false "
            "pour utiliser cette copie quand même; le rapport indiquera alors que les données n'ont pas été vérifiées."
        ),
    },
    "cifar10_unreadable": {
        "en": "CIFAR-10 file {file} is not a readable Python pickle ({error}); it is probably truncated or corrupt. Replace it with the file from the official archive.",
        "fr": "Le fichier CIFAR-10 {file} n'est pas un pickle Python lisible ({error}); il est probablement tronqué ou corrompu. Remplacez-le par le fichier de l'archive officielle.",
    },
    "cifar10_bad_format": {
        "en": (
            "CIFAR-10 file {file} has an invalid layout ({detail}); expected a dict with 'data' (N x 3072 uint8 values) "
            "and 'labels' (N integers from 0 to 9). Replace it with the file from the official archive."
        ),
        "fr": (
            "Le fichier CIFAR-10 {file} a une structure invalide ({detail}); on attend un dictionnaire avec « data » "
            "(N x 3072 valeurs uint8) et « labels » (N entiers de 0 à 9). Remplacez-le par le fichier de l'archive officielle."
        ),
    },
    "cifar10_bad_meta": {
        "en": "CIFAR-10 file {file} does not list the ten class names under 'label_names'. Replace it with the file from the official archive.",
        "fr": "Le fichier CIFAR-10 {file} ne donne pas les dix noms de classes sous « label_names ». Remplacez-le par le fichier de l'archive officielle.",
    },
    "download_folder_not_writable": {
        "en": "Cannot write the CIFAR-10 download into {folder} ({error}). Set download_dir to a writable folder, or set data_dir to an existing copy.",
        "fr": "Impossible d'écrire le téléchargement de CIFAR-10 dans {folder} ({error}). Indiquez dans download_dir un dossier accessible en écriture, ou dans data_dir une copie existante.",
    },
    "download_failed": {
        "en": "Downloading CIFAR-10 from {url} into {folder} failed: {error}. Check the network access, or copy the extracted official archive into {folder}.",
        "fr": "Le téléchargement de CIFAR-10 depuis {url} vers {folder} a échoué : {error}. Vérifiez l'accès au réseau, ou copiez l'archive officielle décompressée dans {folder}.",
    },
    "data_not_verified": {
        "en": "The CIFAR-10 copy in {folder} was not verified against the official checksums (verify_checksums: false); it has {train} training and {test} test images.",
        "fr": "La copie de CIFAR-10 dans {folder} n'a pas été vérifiée avec les sommes de contrôle officielles (verify_checksums: false); elle compte {train} images d'entraînement et {test} images de test.",
    },
    "split_empty": {
        "en": (
            "The lab's split of the {count} training images with split.train_fraction = {fraction} leaves {train} "
            "for training and {validation} for validation; both need at least one. Choose a train_fraction "
            "between 0 and 1 that keeps images on both sides, or provide more images."
        ),
        "fr": (
            "La séparation des {count} images d'entraînement avec split.train_fraction = {fraction} en laisse {train} "
            "pour l'entraînement et {validation} pour la validation; il en faut au moins une de chaque côté. Choisissez "
            "un train_fraction entre 0 et 1 qui garde des images des deux côtés, ou fournissez plus d'images."
        ),
    },
    "gradient_split_too_small": {
        "en": (
            "The training split has {train} images, fewer than one gradient batch of {batch_size} "
            "(gradients.batch_size). Lower gradients.batch_size, raise split.train_fraction, or provide more images."
        ),
        "fr": (
            "La partie entraînement ne compte que {train} images, moins qu'un lot de gradient de {batch_size} "
            "(gradients.batch_size). Réduisez gradients.batch_size, augmentez split.train_fraction ou fournissez plus d'images."
        ),
    },
    # Device
    "cuda_unavailable": {
        "en": (
            "device is set to cuda, but CUDA is not available on host {host} ({detail}). Run this job on a GPU node "
            "(check the partition and the gpu resource of the SLURM profile), or set device: auto to let it run on the CPU."
        ),
        "fr": (
            "device vaut cuda, mais CUDA n'est pas disponible sur l'hôte {host} ({detail}). Lancez cette tâche sur "
            "un nœud GPU (vérifiez la partition et la ressource gpu du profil SLURM), ou mettez device: auto pour "
            "qu'elle s'exécute sur le processeur."
        ),
    },
    # Config
    "config_errors": {
        "en": "{lines}",
        "fr": "{lines}",
    },
    "config_invalid": {
        "en": "Invalid configuration: {key} = {value}. {problem} Fix it in config.yaml or in --config.",
        "fr": "Configuration invalide : {key} = {value}. {problem} Corrigez-la dans config.yaml ou dans --config.",
    },
    "config_problem_enum": {
        "en": "Accepted values: {accepted}.",
        "fr": "Valeurs acceptées : {accepted}.",
    },
    "config_problem_type": {
        "en": "Expected {expected}.",
        "fr": "Valeur attendue : {expected}.",
    },
    "config_problem_minimum": {
        "en": "The smallest accepted value is {limit}.",
        "fr": "La plus petite valeur acceptée est {limit}.",
    },
    "config_problem_exclusive_minimum": {
        "en": "The value must be greater than {limit}.",
        "fr": "La valeur doit être supérieure à {limit}.",
    },
    "config_problem_type_or_enum": {
        "en": "Expected {expected}, or one of these values: {accepted}.",
        "fr": "Valeur attendue : {expected}, ou l'une de ces valeurs : {accepted}.",
    },
    "config_problem_exclusive_maximum": {
        "en": "The value must be less than {limit}.",
        "fr": "La valeur doit être inférieure à {limit}.",
    },
    "config_problem_name_pattern": {
        "en": "A name starts with a lowercase letter followed by lowercase letters, digits or underscores, such as xavier_tanh_gain.",
        "fr": "Un nom commence par une lettre minuscule suivie de lettres minuscules, de chiffres ou de traits de soulignement, comme xavier_tanh_gain.",
    },
    "config_problem_maximum": {
        "en": "The largest accepted value is {limit}.",
        "fr": "La plus grande valeur acceptée est {limit}.",
    },
    "config_type_integer": {"en": "an integer", "fr": "un nombre entier"},
    "config_type_number": {"en": "a number", "fr": "un nombre"},
    "config_type_boolean": {"en": "true or false", "fr": "true ou false"},
    "config_type_string": {"en": "a string", "fr": "une chaîne de caractères"},
    "config_type_array": {"en": "a list such as [a, b]", "fr": "une liste comme [a, b]"},
    "config_type_object": {"en": "a mapping such as {{key: value}}", "fr": "un dictionnaire comme {{clé: valeur}}"},
    "config_type_null": {"en": "null", "fr": "null"},
    "config_type_or": {"en": " or ", "fr": " ou "},
    "config_problem_min_items": {
        "en": "The list needs at least {limit} entry.",
        "fr": "La liste doit contenir au moins {limit} élément.",
    },
    "config_problem_unique": {
        "en": "Each entry may appear only once.",
        "fr": "Chaque élément ne peut apparaître qu'une fois.",
    },
    "config_problem_unknown_key": {
        "en": "This key is unknown (misspelt?). Accepted keys here: {accepted}.",
        "fr": "Cette clé est inconnue (faute de frappe?). Clés acceptées ici : {accepted}.",
    },
    "config_problem_did_you_mean": {
        "en": "Did you mean {key}?",
        "fr": "Vouliez-vous écrire {key}?",
    },
    "config_problem_required": {
        "en": "The key {missing} is required here.",
        "fr": "La clé {missing} est obligatoire ici.",
    },
    "config_problem_other": {
        "en": "{detail}",
        "fr": "{detail}",
    },
    "config_unknown_gain": {
        "en": "PyTorch gives no recommended gain for activation {activation}. Give the gain as a number for initialisation {initialisation}, or use it with another activation.",
        "fr": "PyTorch ne recommande aucun gain pour l'activation {activation}. Donnez le gain sous forme de nombre pour l'initialisation {initialisation}, ou utilisez une autre activation.",
    },
    "config_duplicate_initialisation": {
        "en": "Two initialisations are named {name}. Give each entry of initialisations a distinct name.",
        "fr": "Deux initialisations portent le nom {name}. Donnez un nom distinct à chaque élément de initialisations.",
    },
    "config_reserved_initialisation_name": {
        "en": "The initialisation named {name} uses scheme {scheme}, but {name} is the name of a built-in scheme and the report would show it as such. Give it another name, such as {scheme}_custom.",
        "fr": "L'initialisation nommée {name} utilise le schéma {scheme}, mais {name} est le nom d'un schéma prédéfini, et le rapport la présenterait comme tel. Donnez-lui un autre nom, par exemple {scheme}_custom.",
    },
    # Job messages (rule ``message:`` lines)
    "job_download": {"en": "Downloading CIFAR-10 into {folder}", "fr": "Téléchargement de CIFAR-10 dans {folder}"},
    "job_prepare": {"en": "Preparing dataset {dataset}", "fr": "Préparation du jeu de données {dataset}"},
    "job_initialise": {
        "en": "Initialising {activation} network with {initialisation}, seed {seed}",
        "fr": "Initialisation du réseau {activation} avec {initialisation}, germe {seed}",
    },
    "job_train": {
        "en": "Training {activation} network with {initialisation}, seed {seed}",
        "fr": "Entraînement du réseau {activation} avec {initialisation}, germe {seed}",
    },
    "job_gradients": {
        "en": "Measuring bias gradients {phase} training: {activation}, {initialisation}, seed {seed}",
        "fr": "Mesure des gradients des biais ({phase}) : {activation}, {initialisation}, germe {seed}",
    },
    "job_statistics": {
        "en": "Gradient statistics {phase} training: {activation}, {initialisation}, seed {seed}",
        "fr": "Statistiques des gradients ({phase}) : {activation}, {initialisation}, germe {seed}",
    },
    "job_plot": {"en": "Plotting {figure}", "fr": "Tracé de {figure}"},
    "job_summarise": {"en": "Summarising the study on {dataset}", "fr": "Synthèse de l'étude sur {dataset}"},
    "job_report": {"en": "Writing the report for {dataset}", "fr": "Rédaction du rapport pour {dataset}"},
    "run_finished": {
        "en": "Study finished. Reports: {reports}",
        "fr": "Étude terminée. Rapports : {reports}",
    },
    "run_failed": {
        "en": (
            "The run stopped before the end, on an error or an interruption. An error names its cause above or in "
            "the job's log; fix it first. Then rerun the same command: it resumes with the jobs that did not finish."
        ),
        "fr": (
            "L'exécution s'est arrêtée avant la fin, sur une erreur ou une interruption. Une erreur indique sa cause "
            "plus haut ou dans le journal de la tâche; corrigez-la d'abord. Relancez ensuite la même commande : elle "
            "reprend avec les tâches qui n'ont pas abouti."
        ),
    },
}


def render_message(key: str, language: str, /, **params: object) -> str:
    """Return message ``key`` in ``language`` with its placeholders filled.

    ``key`` and ``language`` are positional-only, so a template may have placeholders of those names.
    """
    templates = MESSAGES[key]
    template = templates.get(language, templates["en"])
    return template.format(**params)
