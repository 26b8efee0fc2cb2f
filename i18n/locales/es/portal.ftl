# Patient Portal, desktop: the signed-in pages (Spanish; usted throughout).
# Same ids as locales/en-US/portal.ftl; a test fails when either lacks one.

bridge-failed = La aplicación no pudo iniciarse correctamente

## Around every page
nav-label = Secciones
nav-home = Inicio
nav-appointments = Citas
nav-messages = Mensajes
nav-account = Cuenta
unread-badge = { $count } sin leer
greeting-self = Todo listo, { $name }
greeting-other = Al cuidado de { $name }
greeting-none = Todo listo
signed-in-as = Sesión iniciada en este equipo como
viewing-label = Viendo
offline-banner = No tiene conexión. Lo que ve se guardó en este equipo; los cambios que haga se conservan y se envían cuando vuelva la conexión.
offline-try-now = Intentar ahora
updated-ago = Actualizado { $minutes ->
    [0] ahora mismo
    [one] hace 1 minuto
   *[other] hace { $minutes } minutos
}
updating = Actualizando…
not-updated-yet = Se muestra lo que se guardó en este equipo.
first-sync = Obteniendo su información: { $count } elementos hasta ahora…
loading = Cargando…
try-again = Intentar de nuevo
show-more = Mostrar más
back = Volver
lock = Bloquear
sign-out = Cerrar sesión
signing-out = Cerrando sesión…
no-profiles = Su consulta todavía no ha vinculado ningún paciente a esta cuenta. Pídale que le envíe una invitación.

## Home
home-next-appointment = Próxima cita
home-no-appointment = No tiene citas próximas.
home-see-appointments = Ver todas las citas
home-messages = Mensajes
home-unread = { $count ->
    [0] No hay mensajes sin leer
    [one] 1 mensaje sin leer
   *[other] { $count } mensajes sin leer
}
home-open-messages = Abrir mensajes
home-balance = Saldo pendiente
home-no-balance = No hay nada que pagar.
home-documents = Documentos
home-documents-new = { $count ->
    [0] No hay documentos nuevos
    [one] 1 documento nuevo para revisar
   *[other] { $count } documentos nuevos para revisar
}
home-forms = Formularios
home-forms-waiting = { $count ->
    [0] No hay formularios por completar
    [one] 1 formulario por completar
   *[other] { $count } formularios por completar
}

## Appointments
appointments-title = Citas
appointments-upcoming = Próximas
appointments-past = Anteriores
appointments-none-upcoming = No tiene citas próximas. Su consulta las añade aquí cuando usted reserva.
appointments-none-past = Todavía no hay citas anteriores.
appointment-with = con { $name }
appointment-provider-unknown = su equipo de atención
appointment-kind = { $kind ->
    [in_person] En persona
    [telehealth] Videoconsulta
   *[other] Consulta
}
appointment-status = { $status ->
    [scheduled] Programada
    [confirmed] Confirmada
    [cancelled] Cancelada
    [completed] Realizada
    [no_show] No asistió
   *[other] Estado desconocido
}
appointment-gone = Esta cita ya no está en su portal. Puede que su consulta la haya eliminado.
appointment-where = Dónde
appointment-when = Cuándo
appointment-confirm = Confirmar que asistiré
appointment-cancel = Cancelar la cita
appointment-cancel-reason = Motivo (opcional, se comparte con su consulta)
appointment-cancel-send = Cancelar esta cita
appointment-cancel-keep = Mantenerla
appointment-late-hint = La cancelación en línea cierra { $deadline }. Después, su consulta puede rechazarla.
appointment-join = Unirse a la videoconsulta
appointment-pending = { $state ->
    [queued] Su cambio está guardado en este equipo y se enviará cuando vuelva a tener conexión.
    [sending] Enviando su cambio…
   *[other] Su consulta ya tiene su cambio.
}
appointment-message-practice = Escribir a su equipo de atención

## Messages
messages-title = Mensajes
messages-new = Mensaje nuevo
messages-none = Todavía no hay mensajes. Inicie una conversación con su equipo de atención.
messages-no-text = (sin texto)
message-you = Usted
message-delivery = { $state ->
    [queued] En espera de envío: guardado en este equipo
    [sending] Enviando…
   *[sent] Enviado
}
message-refused = No enviado
message-retry = Enviar de nuevo
message-discard = Descartar
compose-label = Su mensaje
compose-placeholder = Escriba a su equipo de atención
compose-send = Enviar
compose-sending = Guardando…
compose-to = Para
compose-subject = Asunto
compose-choose = Elija a alguien
compose-no-team = Su consulta todavía no ha configurado su equipo de atención, así que no hay nadie a quien escribir. Llame a su consulta.
conversation-gone = Esta conversación no está en este equipo. Si acaba de escribirla, aparecerá en Mensajes cuando se envíe.
conversation-older = Los mensajes anteriores no se muestran aquí.

## Account
account-title = Cuenta
account-profiles = Sus perfiles
account-guardian = Tutor
account-viewing = Viendo
account-view = Ver
account-accounts = Cuentas en este equipo
account-in-use = En uso
account-switch = Cambiar a esta cuenta
account-add = Añadir otra cuenta

## Sections added with billing, documents, forms, profile and search
nav-billing = Facturación
nav-documents = Documentos
nav-forms = Formularios
nav-profile = Perfil
nav-search = Buscar
home-open-billing = Ver facturas
home-open-documents = Ver documentos
home-open-forms = Ver formularios

## Billing
billing-title = Facturación
billing-none = Todavía no hay facturas.
invoice-number = Factura { $number }
invoice-status = { $status ->
    [open] Pendiente
    [paid] Pagada
    [void] Anulada
   *[other] Estado desconocido
}
invoice-dates = Emitida { $issued } · vence { $due }
invoice-line = Concepto
invoice-quantity = Cant.
invoice-amount = Importe
invoice-total = Total
invoice-balance = Pendiente de pago
invoice-superbill = Resumen para su aseguradora

## Documents
documents-title = Documentos
documents-none = Todavía no hay documentos. Lo que su consulta comparta con usted aparecerá aquí.
document-category = { $category ->
    [shared] De su consulta
    [upload] Enviado por usted
    [superbill] Resumen para la aseguradora
   *[other] Documento
}
document-state = { $state ->
    [none] No está en este equipo
    [partial] Descargado en parte
    [available] En este equipo
   *[pinned] Guardado para usar sin conexión
}
document-downloading = Descargando
document-working = Procesando…
document-open = Abrir
document-download = Descargar
document-pin = Guardar sin conexión
document-unpin = Dejar de guardar sin conexión
upload-title = Enviar un documento a su consulta
upload-name = Título (opcional)
upload-file = Archivo (PDF, PNG o JPEG)
upload-send = Enviar
upload-kept = Guardado en este equipo; se enviará a su consulta en cuanto sea posible.
upload-unreadable = No se pudo leer ese archivo
upload-unreadable-detail = Vuelva a elegirlo. Si sigue fallando, guárdelo de nuevo y elija la copia nueva.

## Forms
forms-title = Formularios
forms-none = No hay formularios por rellenar.
form-state = { $state ->
    [new] Sin empezar
    [draft] Borrador guardado
   *[submitted] Enviado
}
form-due = vence { $due }
form-gone = Este formulario ya no está en su portal. Puede que su consulta lo haya retirado.
form-submitted = Enviado. Su consulta ya tiene sus respuestas.
form-pending = { $state ->
    [queued] Sus respuestas están guardadas en este equipo y se enviarán cuando vuelva a tener conexión.
    [sending] Enviando sus respuestas…
   *[other] Su consulta ya tiene sus respuestas.
}
form-choose = Elija una opción
form-signature-hint = Escriba su nombre completo para firmar.
form-field-flagged = Revise esta respuesta.
form-save = Guardar borrador
form-submit = Enviar
form-saved = Borrador guardado en este equipo.

## Profile
profile-title = Sus datos de contacto
profile-gone = Sus datos todavía no están en este equipo. Aparecerán tras la próxima actualización.
profile-name = Nombre
profile-born = Fecha de nacimiento
profile-email = Correo electrónico
profile-email-hint = Su correo electrónico es con el que inicia sesión; pida a su consulta que lo cambie.
profile-phone = Teléfono
profile-address = Dirección
profile-preferred = Nombre preferido
profile-save = Guardar cambios
profile-empty = (vacío)
contact-field = { $field ->
    [phone] Teléfono
    [address] Dirección
   *[preferred_name] Nombre preferido
}
conflict-title = Su consulta cambió estos datos al mismo tiempo
conflict-detail = No se perdió nada: aquí están las dos versiones. Elija cuál conservar.
conflict-field = Dato
conflict-mine = Los suyos
conflict-theirs = Los de su consulta
conflict-keep-mine = Conservar los míos
conflict-keep-theirs = Conservar los de mi consulta

## Search
search-title = Buscar
search-label = Buscar en sus mensajes y documentos
search-go = Buscar
search-hint = Busca en lo que está guardado en este equipo, así que también funciona sin conexión.
search-none = Nada coincide con «{ $query }».
search-kind = { $kind ->
    [message] Mensaje
    [thread] Conversación
   *[document] Documento
}
document-partial = Descargado en parte
compose-attach = Adjuntar archivos (PDF, PNG o JPEG)

## Settings
nav-settings = Ajustes
settings-title = Ajustes
settings-language = Idioma
settings-language-hint = El idioma de Patient Portal en este equipo
settings-idle-lock = Bloquear tras
settings-idle-hint = Patient Portal se bloquea solo tras este tiempo sin uso, para que nadie más pueda leer su información.
settings-idle-minutes = { $minutes ->
    [one] 1 minuto
   *[other] { $minutes } minutos
}
settings-idle-hours = { $hours ->
    [one] 1 hora
   *[other] { $hours } horas
}
settings-idle-seconds = { $seconds } segundos
settings-password = Contraseña
settings-current-password = Contraseña actual
settings-password-mismatch = Las dos contraseñas nuevas no coinciden.
settings-password-changed = Su contraseña se cambió. Se cerró la sesión en sus otros dispositivos; en este sigue iniciada.
settings-sign-out = Cerrar sesión
settings-sign-out-hint = Al cerrar la sesión se borra de este equipo la copia de la cuenta. Al cerrarla en todas las cuentas no queda aquí nada de ninguna.
settings-sign-out-all = Cerrar sesión en todas las cuentas de este equipo
settings-about = Acerca de
settings-version = Patient Portal { $version }
settings-licence = Software libre bajo la Licencia Pública General Affero de GNU, versión 3 o posterior: puede usarlo, estudiarlo, compartirlo y modificarlo.
settings-practice = Su consulta
settings-practice-hint = Patient Portal se comunica con el portal de su consulta en esta dirección.
settings-practice-fixed = El administrador de este equipo fijó esta dirección.
settings-change-practice = Usar otra consulta…
settings-change-practice-warning = Se cerrará la sesión de todas las cuentas de este equipo y se borrará lo que guarda de ellas. Después escribirá la dirección del portal de su nueva consulta.
settings-change-practice-confirm = Cerrar sesión y cambiar de consulta
settings-change-practice-keep = Seguir con esta consulta
settings-components = Componentes de código abierto
settings-components-hint = Patient Portal está hecho con el trabajo de otros, cada uno bajo su propia licencia.
settings-components-show = Mostrar los componentes y sus licencias
settings-components-count = { $count } componentes

## Desktop notifications: no health information unless the settings ask for the sender
alert-new-message = Nuevo mensaje de su equipo de atención
alert-new-message-from = Nuevo mensaje de { $name }
alert-new-message-body = Abra Patient Portal para leerlo.
alert-activity = Hay novedades en su portal del paciente
alert-activity-body = Desbloquee Patient Portal para verlas.
alert-open = Abrir
settings-notifications = Notificaciones
settings-notify-sender = Mostrar quién escribió en las notificaciones
settings-notify-hint = Si está desactivado, la notificación solo dice que su equipo de atención escribió, para que no se vea nada sobre su salud en la pantalla.

## Onboarding: words several screens share
onboarding-sign-in = Iniciar sesión
onboarding-email = Correo electrónico
onboarding-password = Contraseña
onboarding-forgot-password = ¿Olvidó su contraseña?
onboarding-sending = Enviando…
onboarding-open-different-link = Abrir otro enlace

## Onboarding: while the shell works, and when it cannot start
onboarding-starting = Abriendo Patient Portal…
onboarding-checking-invite = Comprobando su invitación…
onboarding-restoring = Buscando su cuenta en este equipo…
fatal-detail = Cierre Patient Portal y vuelva a abrirlo. Si sigue ocurriendo, reinstale la aplicación.
fatal-technical = Detalles técnicos

## Onboarding: the first run, with no practice chosen yet
choose-server-title = ¿Cuál es su consulta?
choose-server-intro = Patient Portal se conecta al portal de su propia consulta. Indique su dirección una vez; se guarda en este equipo.
choose-server-label = Dirección del portal de su consulta
choose-server-hint = Está en su correo de invitación: el comienzo del enlace, antes de /invite/.
choose-server-from-link = Esta dirección viene del enlace que abrió. Continúe solo si es el portal de su consulta.
choose-server-continue = Continuar
choose-server-checking = Comprobando la dirección…

## Onboarding: welcome
welcome-title = Bienvenido a su portal del paciente
welcome-intro = Su consulta le envía una invitación por correo electrónico. Abra el enlace de ese correo en este equipo y Patient Portal le llevará al siguiente paso.
welcome-paste-label = O pegue aquí el enlace del correo
welcome-paste-placeholder = https://…/invite/…
welcome-opening = Abriendo…
welcome-open = Abrir enlace
# Followed by a "Sign in" button.
welcome-already-set = ¿Ya eligió su contraseña?

## Onboarding: choose a password (a valid invite)
invite-welcome = Le damos la bienvenida, { $name }
invite-guardian-heading = Configure el acceso de { $name }
# Between the practice's name and the email address, both in bold.
invite-practice-invited = le invitó a su portal del paciente. Elija una contraseña para terminar de configurar su cuenta de
# After the email address, which is in bold.
invite-practice-end = .
# $date is the day and time the invitation stops working.
invite-expiry = Esta invitación es válida hasta { $date }.
invite-address-intro = Esta invitación es para el correo electrónico
invite-address-unknown = Ninguna de las cuentas de este equipo usa esta dirección. Si no esperaba una invitación para ella, no elija una contraseña: puede que la cuenta no sea suya. Abra el enlace desde su propio correo o llame a su consulta.
invite-address-confirm = Esta es mi dirección de correo
invite-account-exists = Ya tiene una cuenta con esta dirección de correo. Inicie sesión y { $name } se añadirá a ella.
invite-set-password = Guardar contraseña e iniciar sesión
invite-setting-password = Guardando su contraseña…
invite-not-me = No soy yo: abrir otro enlace

## Onboarding: an invite that cannot be used
invite-expired-title = Esta invitación ha caducado
invite-expired-detail = Las invitaciones son válidas unos días. Pida una nueva aquí: se enviará a la dirección de correo que su consulta tiene registrada.
invite-used-title = Esta invitación ya se usó
invite-used-detail = Ya se eligió una contraseña con esta invitación, así que su cuenta está lista. Inicie sesión con su correo y su contraseña.
invite-revoked-title = Se envió una invitación más reciente
invite-revoked-detail = Su consulta le envió una invitación más reciente, que sustituye a esta. Busque en su correo el mensaje más reciente y abra su enlace.
invite-not-found-title = No encontramos esta invitación
invite-not-found-detail = Puede que el enlace esté incompleto. Ábralo de nuevo directamente desde el correo, o copie el enlace completo y péguelo aquí.
invite-renewing = Pidiendo una invitación nueva…
invite-renew = Enviarme una invitación nueva

## Onboarding: a new invitation was asked for
invite-renewed-notified-title = Avisamos a su equipo de atención
invite-renewed-notified-detail = Su consulta envía las invitaciones nuevas por su cuenta. Avisamos a su equipo de atención y le enviarán una invitación nueva por correo. Abra el enlace de ese correo para elegir su contraseña.
invite-renewed-title = Revise su correo
invite-renewed-detail = Va de camino una invitación nueva a la dirección de correo que su consulta tiene registrada. Abra su enlace para elegir su contraseña; el enlace anterior ya no funciona.

## Onboarding: the new password form
password-rules-unavailable = No se pudieron cargar las reglas de contraseña de su consulta; se muestran las habituales, y su consulta las vuelve a comprobar cuando continúe.
password-new = Contraseña nueva
password-again = Escríbala otra vez
password-rule-too-short = Al menos { $count } caracteres
password-rule-too-long = Como máximo { $count } caracteres
password-rule-common = No es una contraseña de uso común
password-rule-equals-email = No es su dirección de correo
password-match = Las dos entradas coinciden
password-hint = Unas cuantas palabras sin relación forman una contraseña segura y fácil de recordar. No puede ser su dirección de correo.

## Onboarding: reset password
reset-title = Elija una contraseña nueva
# Followed by the account's email address, in bold.
reset-for-account = Para su cuenta del portal del paciente
# After the email address, which is in bold.
reset-signed-out = . Se cerrará la sesión en todos los dispositivos.
reset-change-password = Cambiar la contraseña
reset-changing-password = Cambiando su contraseña…
reset-cancel = Cancelar

## Onboarding: forgot password
forgot-intro = Indique la dirección de correo que su consulta tiene registrada. Le enviaremos un enlace para elegir una contraseña nueva (o, si su cuenta nunca se configuró, una invitación nueva).
forgot-submit = Enviarme un enlace

## Onboarding: join a practice
join-title = Unirse a { $practice }
join-intro = Regístrese en el portal del paciente de { $practice } ({ $group }). Su consulta le enviará por correo un enlace para elegir una contraseña.
# $forms is the list of form titles, separated by commas.
join-intake = Después de unirse, se le pedirá que rellene: { $forms }
join-first-name = Nombre
join-last-name = Apellidos
join-dob = Fecha de nacimiento
join-dob-hint = Por ejemplo 27 3 1990
join-dob-day = Día
join-dob-month = Mes
join-dob-year = Año
join-dob-error = No es una fecha válida: revise el día, el mes y el año.
join-phone = Teléfono (opcional)
join-submit = Unirse

## Onboarding: sign in
sign-in-claim-note = Inicie sesión en la cuenta que ya tiene y { $name } se añadirá a ella.
sign-in-intro = Use la dirección de correo y la contraseña de su cuenta del portal del paciente.
sign-in-busy = Iniciando sesión…
sign-in-other-practice = ¿No es su consulta? Use otra dirección de portal

## Onboarding: locked
locked-title = Patient Portal está bloqueado
# Followed by the account's email address, in bold.
locked-enter-password = Introduzca la contraseña de
# After the email address, which is in bold.
locked-to-continue = para continuar.
locked-checking = Comprobando…
locked-unlock = Desbloquear
locked-sign-out = Cerrar sesión en este equipo

## The shell's notices: each message is a title, its .detail the next step.
notice-no-invite = Abra primero su invitación
    .detail = Abra el enlace del correo de su consulta para elegir una contraseña.
notice-reset-expired = Este enlace para restablecer la contraseña ha caducado
    .detail = Los enlaces para restablecer la contraseña son válidos una hora. Pida uno nuevo abajo.
notice-reset-used = Este enlace para restablecer la contraseña ya se usó
    .detail = Inicie sesión con su nueva contraseña o pida otro enlace.
notice-reset-not-found = No encontramos este enlace para restablecer la contraseña
    .detail = Puede que el enlace esté incompleto. Pida uno nuevo abajo.
notice-password-changed = Su contraseña se cambió
    .detail = Se cerró la sesión en todos los dispositivos. Inicie sesión con su nueva contraseña.
notice-reset-requested = Revise su correo
    .detail = Si esta dirección tiene una cuenta o una invitación pendiente, le enviamos un enlace para elegir una contraseña. Abra ese enlace en este equipo.
notice-join-link-expired = Este enlace de registro ha caducado
    .detail = Los enlaces de registro son válidos unos días. Pida uno nuevo a su consulta.
notice-join-link-not-found = No encontramos este enlace de registro
    .detail = Puede que el enlace esté incompleto. Copie el enlace completo del mensaje de su consulta.
notice-join-requested = Revise su correo
    .detail = Su consulta le enviará por correo una invitación (o, si ya tiene una cuenta, una forma de iniciar sesión). Abra el enlace de ese correo en este equipo.
notice-session-ended = Vuelva a iniciar sesión
    .detail = Su sesión terminó (caducó o se cambió su contraseña). Inicie sesión para continuar.
notice-signed-out = Ha cerrado la sesión
    .detail = No queda nada de esa cuenta en este equipo.
notice-idle-locked = Bloqueado para proteger su información
    .detail = Patient Portal se bloquea tras un tiempo sin uso. Introduzca su contraseña para continuar.
notice-invalid-link = Este enlace no se puede abrir
    .detail = { $reason ->
        [empty] El enlace está vacío.
        [too_long] El enlace es demasiado largo para ser uno de los nuestros.
        [bad_characters] El enlace contiene espacios o caracteres invisibles. Cópielo de nuevo del correo.
        [not_a_link] Esto no es un enlace web ni de la aplicación.
        [wrong_scheme] Los enlaces deben empezar por https:// (o por el esquema propio de la aplicación).
        [user_info] El enlace lleva un nombre de usuario o una contraseña, y nuestros enlaces nunca los llevan.
        [unknown_host] Este enlace no es del portal de su consulta ({ $host }).
        [wrong_port] Este enlace apunta a un puerto distinto del del portal de su consulta.
        [unknown_action] Este enlace no abre nada en el portal.
        [extra_parts] El enlace tiene partes de más después del código. Copie el enlace tal como aparece en el correo.
       *[bad_token] El código del enlace está incompleto o dañado. Copie el enlace completo del correo.
    }
notice-weak-password = Elija otra contraseña
    .detail = Su contraseña debe cumplir: { $needs }.
notice-network = No se puede conectar con el portal de su consulta
    .detail = Compruebe su conexión a internet e inténtelo de nuevo. No se cambió nada.
notice-secrets = Sus datos de inicio de sesión no se pueden guardar de forma segura
    .detail = El llavero de este equipo no respondió: { $detail }
notice-account-exists = Ya tiene una cuenta
    .detail = Ya existe una cuenta con esta dirección de correo. Inicie sesión con ella y se añadirá este perfil.
notice-rate-limited = Demasiados intentos
    .detail = Espere unos minutos y vuelva a intentarlo.
notice-server-refused = El portal de su consulta rechazó esta acción
    .detail = { $detail }
notice-unexpected-response = El portal de su consulta dio una respuesta inesperada
    .detail = Inténtelo de nuevo más tarde. (HTTP { $status })
notice-config = Patient Portal no está bien configurado
    .detail = Pida ayuda a su consulta con este mensaje: { $detail }
notice-not-signed-in = Inicie sesión
    .detail = Inicie sesión para continuar.
notice-locked = Patient Portal está bloqueado
    .detail = Introduzca su contraseña para continuar.
notice-wrong-password = Esa contraseña no es correcta
    .detail = { $left ->
        [one] Inténtelo de nuevo. Si escribe otra contraseña incorrecta, se cerrará su sesión en este equipo.
       *[other] Inténtelo de nuevo. Le quedan { $left } intentos antes de que se cierre su sesión en este equipo.
    }
notice-too-many-unlock-attempts = Se cerró su sesión
    .detail = Se escribieron demasiadas contraseñas incorrectas, así que este equipo cerró su sesión para proteger su información. Vuelva a iniciar sesión o restablezca su contraseña.
notice-unknown-account = Esa cuenta ya no tiene la sesión iniciada aquí
    .detail = Vuelva a iniciar sesión en ella para usarla en este equipo.
notice-invalid-input = Revise lo que escribió
    .detail = { $detail }
notice-storage = No se pudo leer la copia de este equipo
    .detail = Patient Portal volverá a descargar su información. Si sigue ocurriendo, cierre la sesión y vuelva a iniciarla.
notice-unknown-profile = Ese perfil ya no está disponible
    .detail = Puede que su consulta haya cambiado las personas por las que puede actuar. La lista se ha actualizado.
notice-unknown-document = Ese documento no está en este equipo
    .detail = Puede que su consulta lo haya eliminado. Actualice e inténtelo de nuevo.
notice-document-corrupt = El documento llegó dañado
    .detail = Se descartó la copia dañada. Intente descargarlo de nuevo.
notice-too-late = Es demasiado tarde para cancelar en línea
    .detail = Falta poco para esta cita, así que su consulta atiende los cambios por teléfono. Llámeles o envíe un mensaje a su equipo de atención. La cita sigue reservada.
notice-conflict = Su consulta cambió esto al mismo tiempo
    .detail = Se muestran las dos versiones. Elija cuál conservar.
notice-invalid-answers = Algunas respuestas necesitan otra revisión
    .detail = { $detail }
notice-not-yours = Esto ya no le corresponde cambiarlo
    .detail = Puede que su consulta haya cambiado las personas por las que puede actuar. Descártelo.
notice-refused = El portal de su consulta rechazó esta acción
    .detail = { $detail } Inténtelo de nuevo o descártelo.
notice-no-telehealth-link = Esta cita todavía no tiene enlace de vídeo
    .detail = Su consulta lo añade antes de la visita. Vuelva a mirar más cerca de la hora o envíeles un mensaje.
notice-browser-failed = Su navegador web no se abrió
    .detail = Abra usted mismo el navegador e inténtelo de nuevo, o pida el enlace a su consulta.
notice-cannot-open-document = No se pudo abrir el documento
    .detail = Patient Portal no pudo hacer una copia para su visor. Compruebe que el disco no esté lleno e inténtelo de nuevo.
notice-no-viewer = Ninguna aplicación de este equipo abrió el documento
    .detail = Hay una copia guardada en { $path } hasta que cierre la sesión. Ábrala con un visor de PDF.
notice-unreadable-file = No se pudo leer ese archivo
    .detail = Vuelva a elegirlo. Si sigue fallando, guárdelo de nuevo y elija la copia nueva.
notice-invalid-credentials = El correo o la contraseña no son correctos
    .detail = Revise ambos e inténtelo de nuevo. Si olvidó su contraseña, elija «¿Olvidó su contraseña?» para recibir un enlace.
notice-email-mismatch = Esta invitación es para otra dirección de correo
    .detail = Se envió a una dirección distinta de la de la cuenta con la que tiene la sesión iniciada. Inicie sesión con la cuenta a la que se envió, o abra el enlace desde su propio correo.
notice-server-busy = El portal de su consulta está ocupado
    .detail = Inténtelo de nuevo en un momento. No se cambió nada.
notice-internal = Algo falló en el portal de su consulta
    .detail = Inténtelo de nuevo más tarde. Si sigue ocurriendo, llame a su consulta.
notice-wrong-current-password = Su contraseña actual no es correcta
    .detail = Escriba la contraseña con la que inicia sesión ahora e inténtelo de nuevo. No se cambió nada.
notice-settings-not-saved = No se pudo guardar su elección
    .detail = Se aplica hasta que cierre Patient Portal. Compruebe que el disco no esté lleno y vuelva a elegir.
notice-practice-fixed = El administrador de este equipo fijó la dirección de su consulta
    .detail = Pídale que la cambie, o use Patient Portal en otro equipo.
notice-bad-address = Patient Portal no puede usar esta dirección
    .detail = Use la dirección https de su correo de invitación: la parte anterior a /invite/, por ejemplo https://portal.example-practice.org.
notice-server-unreachable = Ningún portal del paciente respondió en esta dirección
    .detail = Compruebe la dirección y su conexión a internet e inténtelo de nuevo.
notice-not-a-portal = Esta dirección no es un portal del paciente
    .detail = Compruebe que sea la parte del enlace de su invitación anterior a /invite/, por ejemplo https://portal.example-practice.org.
# What a refused write was, in the notice's list.
write-cancel-appointment = Cancelar esta cita
write-confirm-appointment = Confirmar esta cita
write-contact = Cambiar sus datos de contacto
sender-care-team = Su equipo de atención
